package dev.onramp.engine.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.run.DeliveryReport;
import dev.onramp.journey.run.MessageRequest;
import dev.onramp.journey.run.SendPolicy;
import dev.onramp.journey.run.UserEvent;
import dev.onramp.pipeline.StableIds;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * The engine's reading and writing of the wire contracts in {@code docs/contracts/}: events and delivery reports
 * in, message requests out.
 */
@ApplicationScoped
public class Records {

    private final ObjectMapper json;

    Records(ObjectMapper json) {
        this.json = json;
    }

    /** A record that does not follow its contract; it goes to the dead-letter topic with this reason. */
    public static final class Unreadable extends Exception {
        public Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    public UserEvent event(String key, byte[] value) throws Unreadable {
        JsonNode node = tree(value);
        String type = text(node, "type");
        if (type == null) {
            throw new Unreadable("no type");
        }
        String anonymousId = text(node, "anonymousId");
        String userId = text(node, "userId");
        if (userId == null) {
            userId = anonymousId != null ? anonymousId : key;
        }
        if (userId == null || userId.isEmpty()) {
            throw new Unreadable("no userId and no key");
        }
        String name = UserEvent.nameOf(type, text(node, "event"));
        if (name == null) {
            throw new Unreadable("a track event without an event name");
        }
        return new UserEvent(
                text(node, "messageId"),
                type,
                name,
                userId,
                anonymousId,
                text(node, "previousId"),
                map(node.get("properties")),
                map(node.get("traits")),
                time(text(node, "timestamp")));
    }

    /**
     * A delivery report and when message-dispatch says it happened: the two together name the report, so that one
     * relayed again after a crash is known as a repeat.
     */
    /**
     * @param handoff what message-dispatch said of a hand-off, when the report is of one; null otherwise
     */
    public record Report(DeliveryReport report, String at, String broadcast, HandoffReport handoff) {}

    /** A report of a conversation's message handed to a destination. */
    public record HandoffReport(String conversation, String destination, String ticket) {}

    public Report delivery(byte[] value) throws Unreadable {
        JsonNode node = tree(value);
        String messageId = text(node, "messageId");
        String status = text(node, "status");
        if (messageId == null || status == null) {
            throw new Unreadable("a delivery event needs messageId and status");
        }
        Channel channel = Channel.of(text(node, "channel")).orElse(null);
        String scope = text(node, "scope");
        return new Report(
                new DeliveryReport(
                        messageId,
                        text(node, "journey"),
                        text(node, "step"),
                        channel,
                        status,
                        text(node, "detail"),
                        switch (scope == null ? "" : scope) {
                            case "journey" -> DeliveryReport.Scope.JOURNEY;
                            case "category" -> DeliveryReport.Scope.CATEGORY;
                            default -> DeliveryReport.Scope.CHANNEL;
                        },
                        text(node, "cause"),
                        category(text(node, "category"))),
                text(node, "at"),
                text(node, "broadcast"),
                text(node, "conversation") == null || text(node, "destination") == null
                        ? null
                        : new HandoffReport(
                                text(node, "conversation"), text(node, "destination"), text(node, "ticket")));
    }

    /**
     * What a user wrote back ({@code onramp.conversations}): a reply to a message or feedback.
     *
     * @param answers the message it answers; null for feedback
     */
    public record Written(
            String id,
            String conversationId,
            String userId,
            String kind,
            String channel,
            String answers,
            String journey,
            String step,
            String broadcast,
            String text,
            String category,
            Instant at,
            Author author) {

        /** Whether a help desk agent wrote it (kind answer) rather than the user. */
        public boolean isAnswer() {
            return author != null;
        }

        /** The same message, of another id's user (an anonymous id joined to them). */
        public Written of(String user) {
            return user.equals(userId)
                    ? this
                    : new Written(
                            id,
                            conversationId,
                            user,
                            kind,
                            channel,
                            answers,
                            journey,
                            step,
                            broadcast,
                            text,
                            category,
                            at,
                            author);
        }
    }

    /** The help desk agent who answered, as the help desk names them. */
    public record Author(String name, String email) {}

    public Written conversation(String key, byte[] value) throws Unreadable {
        JsonNode node = tree(value);
        List<String> missing = new java.util.ArrayList<>();
        for (String field : List.of("id", "conversationId", "userId", "kind", "channel", "text", "at")) {
            if (text(node, field) == null || text(node, field).isBlank()) {
                missing.add(field);
            }
        }
        if (!missing.isEmpty()) {
            throw new Unreadable("a conversation message needs " + String.join(", ", missing));
        }
        if (key == null || !key.equals(text(node, "userId"))) {
            throw new Unreadable("a conversation message is keyed by its userId");
        }
        Instant at = time(text(node, "at"));
        if (at == null) {
            throw new Unreadable("a conversation message's at is not a date-time");
        }
        String kind = text(node, "kind");
        if (!kind.equals("reply") && !kind.equals("feedback") && !kind.equals("answer")) {
            throw new Unreadable("a conversation message's kind is reply, feedback or answer, not " + kind);
        }
        Author author = null;
        if (kind.equals("answer")) {
            JsonNode a = node.get("author");
            if (a == null || text(a, "name") == null || text(a, "email") == null) {
                throw new Unreadable("an answer names its author, with name and email");
            }
            author = new Author(text(a, "name"), text(a, "email"));
        }
        return new Written(
                text(node, "id"),
                text(node, "conversationId"),
                key,
                kind,
                text(node, "channel"),
                text(node, "messageId"),
                text(node, "journey"),
                text(node, "step"),
                text(node, "broadcast"),
                text(node, "text"),
                text(node, "category"),
                at,
                author);
    }

    /** One message of a conversation handed to one destination, where routes.yaml sent the conversation. */
    public record HandoffRequest(
            Written written,
            String destination,
            String kind,
            boolean first,
            String route,
            String team,
            String priority,
            String assignee,
            List<String> tags,
            Map<String, Object> traits) {

        /** The same message to the same destination always has the same id: it is handed over once. */
        public String messageId() {
            return "ho-" + StableIds.of(written.id(), destination);
        }
    }

    /** A hand-off request (origin {@code hand-off}), as message-dispatch reads it. */
    public String handoff(HandoffRequest h) {
        Written w = h.written();
        ObjectNode out = json.createObjectNode();
        out.put("messageId", h.messageId());
        out.put("origin", "hand-off");
        out.put("destination", h.destination());
        out.put("conversation", w.conversationId());
        out.put("text", w.text());
        out.put("channel", w.channel());
        out.putArray("fallbackChannels");
        out.putNull("locale");
        if (w.journey() != null) {
            out.put("journey", w.journey());
        }
        if (w.step() != null) {
            out.put("step", w.step());
        }
        ObjectNode user = out.putObject("user");
        user.put("id", w.userId());
        user.set("traits", json.valueToTree(h.traits()));
        out.putObject("context");
        ObjectNode handoff = out.putObject("handoff");
        handoff.put("kind", h.kind());
        handoff.put("first", h.first());
        if (h.route() != null) {
            handoff.put("route", h.route());
        }
        if (h.team() != null) {
            handoff.put("team", h.team());
        }
        if (h.priority() != null) {
            handoff.put("priority", h.priority());
        }
        if (h.assignee() != null) {
            handoff.put("assignee", h.assignee());
        }
        var tags = handoff.putArray("tags");
        h.tags().forEach(tags::add);
        out.put("notBefore", w.at().toString());
        out.put("createdAt", w.at().toString());
        return out.toString();
    }

    /**
     * A teammate's answer in a conversation, as message-dispatch reads it (origin {@code answer}): the words as plain
     * text, never a template, signed by the teammate, back by the channel the user wrote from.
     */
    public String answer(
            String messageId,
            String conversation,
            String userId,
            String channel,
            String text,
            dev.onramp.journey.model.Teammate teammate,
            Map<String, Object> traits,
            String locale,
            Instant at) {
        ObjectNode out = json.createObjectNode();
        out.put("messageId", messageId);
        out.put("origin", "answer");
        out.put("conversation", conversation);
        out.put("text", text);
        out.put("channel", channel);
        out.putArray("fallbackChannels");
        if (locale == null) {
            out.putNull("locale");
        } else {
            out.put("locale", locale);
        }
        ObjectNode user = out.putObject("user");
        user.put("id", userId);
        user.set("traits", json.valueToTree(traits));
        out.putObject("context");
        ObjectNode sender = out.putObject("sender");
        sender.put("id", teammate.id());
        sender.put("name", teammate.name());
        sender.put("role", teammate.role());
        sender.put("email", teammate.email());
        teammate.avatar().ifPresent(a -> sender.put("avatar", a));
        teammate.team().ifPresent(t -> sender.put("team", t));
        out.put("replies", true);
        out.put("notBefore", at.toString());
        out.put("createdAt", at.toString());
        return out.toString();
    }

    /** A category as the delivery events name it; null for none or one this engine does not know. */
    private static SendPolicy.Category category(String wireName) {
        for (SendPolicy.Category c : SendPolicy.Category.values()) {
            if (c.wireName().equals(wireName)) {
                return c;
            }
        }
        return null;
    }

    public String messageRequest(MessageRequest m) {
        ObjectNode out = json.createObjectNode();
        out.put("messageId", m.messageId());
        out.put("origin", m.origin().wireName());
        out.put("priority", m.priority().wireName());
        out.put("category", m.category().wireName());
        if (m.broadcast() != null) {
            out.put("broadcast", m.broadcast());
        }
        if (m.journey() != null) {
            out.put("journey", m.journey());
            out.put("journeyVersion", m.journeyVersion());
            out.put("step", m.step());
            out.put("kind", m.kind().wireName());
            out.put("ordinal", m.ordinal());
        }
        out.put("channel", m.channel().wireName());
        var fallback = out.putArray("fallbackChannels");
        m.fallbackChannels().forEach(c -> fallback.add(c.wireName()));
        if (m.template() != null) {
            out.put("template", m.template());
        }
        if (!m.content().isEmpty()) {
            ObjectNode content = out.putObject("content");
            m.content().forEach((channel, fields) -> {
                ObjectNode c = content.putObject(channel.wireName());
                fields.forEach(c::put);
            });
        }
        if (m.locale() == null) {
            out.putNull("locale");
        } else {
            out.put("locale", m.locale());
        }
        ObjectNode user = out.putObject("user");
        user.put("id", m.userId());
        user.set("traits", json.valueToTree(m.traits()));
        out.set("context", json.valueToTree(m.context()));
        if (m.sender() != null) {
            ObjectNode sender = out.putObject("sender");
            sender.put("id", m.sender().id());
            sender.put("name", m.sender().name());
            sender.put("role", m.sender().role());
            sender.put("email", m.sender().email());
            m.sender().avatar().ifPresent(a -> sender.put("avatar", a));
            m.sender().team().ifPresent(t -> sender.put("team", t));
        }
        if (m.replies()) {
            out.put("replies", true);
        }
        out.put("notBefore", m.notBefore().toString());
        out.put("createdAt", m.createdAt().toString());
        return out.toString();
    }

    private JsonNode tree(byte[] value) throws Unreadable {
        if (value == null) {
            throw new Unreadable("empty record");
        }
        try {
            JsonNode node = json.readTree(value);
            if (node == null || !node.isObject()) {
                throw new Unreadable("not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new Unreadable("not JSON: " + e.getMessage());
        }
    }

    private Map<String, Object> map(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Map.of();
        }
        return json.convertValue(node, Records.MAP_TYPE);
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP_TYPE =
            new com.fasterxml.jackson.core.type.TypeReference<>() {};

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Instant time(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
