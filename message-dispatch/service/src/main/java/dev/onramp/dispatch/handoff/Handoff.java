package dev.onramp.dispatch.handoff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.dispatch.ledger.DeliveryRequest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A conversation's message handed to a destination (a message request of origin {@code hand-off}, written by
 * journey-engine when routes.yaml sends a conversation there): what the user wrote, who they are, and where the route
 * said it goes.
 *
 * @param destination the destination's name (routes.yaml); its address and secrets are this service's settings
 * @param first whether it opens the conversation (a help desk's new ticket) or follows up in it (a comment)
 * @param requesterName the user's name, as the help desk shows the requester; null when the user has none
 * @param requesterEmail the user's email; null when none
 */
public record Handoff(
        String messageId,
        String userId,
        String destination,
        Kind kind,
        String conversation,
        String text,
        String subject,
        String requesterName,
        String requesterEmail,
        List<String> tags,
        String priority,
        String team,
        String assignee,
        String route,
        String journey,
        String step,
        String channel,
        boolean first,
        Instant createdAt) {

    public Handoff {
        Objects.requireNonNull(messageId, "messageId");
        tags = List.copyOf(tags);
    }

    /** What the destination is (routes.yaml's kind of it). */
    public enum Kind {
        HELPDESK,
        WEBHOOK,
        CHAT;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether a message request is a hand-off rather than a message to the user. */
    public static boolean isHandoff(JsonNode node) {
        return node != null && "hand-off".equals(node.path("origin").asText(null));
    }

    /** Reads a hand-off request; says why when it is not one. */
    public static Handoff read(JsonNode node) throws DeliveryRequest.Invalid {
        List<String> missing = new ArrayList<>();
        for (String field : List.of("messageId", "destination", "conversation", "text", "channel", "createdAt")) {
            if (!node.path(field).isTextual() || node.get(field).asText().isBlank()) {
                missing.add(field);
            }
        }
        JsonNode handoff = node.get("handoff");
        if (handoff == null || !handoff.isObject()) {
            missing.add("handoff");
        }
        String userId = node.path("user").path("id").asText("");
        if (userId.isBlank()) {
            missing.add("user.id");
        }
        if (!missing.isEmpty()) {
            throw new DeliveryRequest.Invalid("a hand-off needs " + String.join(", ", missing));
        }
        Kind kind;
        try {
            kind = Kind.valueOf(handoff.path("kind").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DeliveryRequest.Invalid("a hand-off's kind is helpdesk, webhook or chat, not "
                    + handoff.path("kind").asText("none"));
        }
        Instant createdAt;
        try {
            createdAt = OffsetDateTime.parse(node.get("createdAt").asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw new DeliveryRequest.Invalid("createdAt is not a date-time");
        }
        List<String> tags = new ArrayList<>();
        handoff.path("tags").forEach(t -> tags.add(t.asText()));
        JsonNode traits = node.path("user").path("traits");
        String name = firstText(traits, "name", "firstName", "first_name");
        return new Handoff(
                node.get("messageId").asText(),
                userId,
                node.get("destination").asText(),
                kind,
                node.get("conversation").asText(),
                node.get("text").asText(),
                text(handoff, "subject"),
                name,
                text(traits, "email"),
                tags,
                text(handoff, "priority"),
                text(handoff, "team"),
                text(handoff, "assignee"),
                text(handoff, "route"),
                text(node, "journey"),
                text(node, "step"),
                node.get("channel").asText(),
                handoff.path("first").asBoolean(false),
                createdAt);
    }

    /** The JSON a webhook destination receives. */
    public ObjectNode event(ObjectMapper json) {
        ObjectNode out = json.createObjectNode();
        out.put("type", first ? "conversation.opened" : "conversation.message");
        out.put("id", messageId);
        out.put("conversation", conversation);
        ObjectNode user = out.putObject("user");
        user.put("id", userId);
        if (requesterName != null) {
            user.put("name", requesterName);
        }
        if (requesterEmail != null) {
            user.put("email", requesterEmail);
        }
        out.put("channel", channel);
        out.put("text", text);
        if (subject != null) {
            out.put("subject", subject);
        }
        for (Map.Entry<String, String> e : new java.util.LinkedHashMap<>(Map.of(
                        "team", team == null ? "" : team,
                        "priority", priority == null ? "" : priority,
                        "assignee", assignee == null ? "" : assignee,
                        "route", route == null ? "" : route,
                        "journey", journey == null ? "" : journey,
                        "step", step == null ? "" : step))
                .entrySet()) {
            if (!e.getValue().isEmpty()) {
                out.put(e.getKey(), e.getValue());
            }
        }
        var list = out.putArray("tags");
        tags.forEach(list::add);
        out.put("at", createdAt.toString());
        return out;
    }

    private static String firstText(JsonNode node, String... fields) {
        for (String field : fields) {
            String value = text(node, field);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || !value.isValueNode() ? null : value.asText();
    }
}
