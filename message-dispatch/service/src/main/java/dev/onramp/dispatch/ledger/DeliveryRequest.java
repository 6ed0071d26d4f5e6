package dev.onramp.dispatch.ledger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.templates.Channel;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A message request ({@code docs/contracts/message-requests.schema.json}) as this service reads it: checked once, when
 * it is consumed, then used typed.
 *
 * @param channels the request's channel, then its fallbacks, each once
 * @param notBefore the first moment it may be delivered; null when the request names none (deliver at once)
 * @param sender the teammate who signs it; null when the product itself does
 * @param category which unsubscribes it obeys; {@code product} when the request names none
 * @param broadcast the broadcast it is a message of; null for a journey's message
 * @param incident the incident it is the notice, an update or the resolve of ({@code context.incident} of a message
 *     of origin {@code incident}); null otherwise
 * @param template the template of the templates folder it is written in; null when it carries its own content
 * @param content a broadcast's inline content in the user's locale, per channel: header fields, {@code body} and an
 *     email's optional {@code text}; null when it names a template
 * @param conversation the conversation a teammate's answer belongs to (origin {@code answer}); null otherwise
 * @param text an answer's words: plain text, never a template; null otherwise
 * @param replies whether the user may reply to it
 */
public record DeliveryRequest(
        String messageId,
        String journey,
        String step,
        List<Channel> channels,
        String template,
        String locale,
        String userId,
        Map<String, Object> traits,
        Map<String, Object> context,
        Instant notBefore,
        Sender sender,
        Category category,
        String broadcast,
        String incident,
        Map<Channel, Map<String, String>> content,
        String conversation,
        String text,
        boolean replies) {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    public DeliveryRequest {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(userId, "userId");
        channels = List.copyOf(channels);
        traits = traits == null ? Map.of() : traits;
        context = context == null ? Map.of() : context;
        category = category == null ? Category.PRODUCT : category;
        content = content == null ? null : Map.copyOf(content);
        if (template == null && content == null && text == null) {
            throw new IllegalArgumentException("a message request names a template or carries its content or text");
        }
    }

    /**
     * Whether it has something to say by this channel: a version of its template, content of its own, or an answer's
     * text (which any channel can carry).
     */
    public boolean writtenFor(Channel channel, java.util.function.BiPredicate<String, Channel> templateHas) {
        if (text != null) {
            return channel != Channel.WEBHOOK;
        }
        return content != null ? content.containsKey(channel) : templateHas.test(template, channel);
    }

    /** A teammate's answer to what the user wrote: plain text in their thread. */
    public boolean isAnswer() {
        return conversation != null && text != null;
    }

    /**
     * The teammate who signs a message ({@code team.yaml} on the engine's side): the email's From shows their name,
     * replies go to their address, and the in-app message shows name, role and picture.
     *
     * @param role null when none
     * @param avatar an http(s) URL; null when none
     */
    public record Sender(String id, String name, String role, String email, String avatar) {

        /** What templates see as {@code sender}: only the fields it has. */
        public Map<String, Object> templateData() {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("id", id);
            data.put("name", name);
            if (role != null) {
                data.put("role", role);
            }
            data.put("email", email);
            if (avatar != null) {
                data.put("avatar", avatar);
            }
            return data;
        }
    }

    /** A record that does not follow the contract, and why. */
    public static final class Invalid extends Exception {
        public Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Reads a record; says why when it is not a message request. */
    public static DeliveryRequest read(JsonNode node, ObjectMapper json) throws Invalid {
        if (node == null || !node.isObject()) {
            throw new Invalid("not a JSON object");
        }
        List<String> missing = new ArrayList<>();
        boolean inline = node.hasNonNull("content");
        boolean answer = "answer".equals(text(node, "origin"));
        List<String> required = answer
                ? List.of("messageId", "channel", "conversation", "text")
                : inline ? List.of("messageId", "channel") : List.of("messageId", "channel", "template");
        for (String field : required) {
            if (!node.hasNonNull(field)
                    || !node.get(field).isTextual()
                    || node.get(field).asText().isBlank()) {
                missing.add(field);
            }
        }
        JsonNode user = node.get("user");
        if (user == null || !user.hasNonNull("id") || user.get("id").asText().isBlank()) {
            missing.add("user.id");
        }
        if (!missing.isEmpty()) {
            throw new Invalid("missing " + String.join(", ", missing));
        }
        Channel first = Channel.of(node.get("channel").asText())
                .orElseThrow(() ->
                        new Invalid("unknown channel " + node.get("channel").asText()));
        List<Channel> channels = new ArrayList<>(List.of(first));
        JsonNode fallback = node.get("fallbackChannels");
        if (fallback != null && fallback.isArray()) {
            fallback.forEach(f ->
                    Channel.of(f.asText()).filter(ch -> !channels.contains(ch)).ifPresent(channels::add));
        }
        JsonNode traits = user.get("traits");
        JsonNode context = node.get("context");
        Instant notBefore = null;
        String notBeforeText = text(node, "notBefore");
        if (notBeforeText != null) {
            try {
                notBefore = OffsetDateTime.parse(notBeforeText).toInstant();
            } catch (DateTimeParseException e) {
                throw new Invalid("notBefore is not a date-time: " + notBeforeText);
            }
        }
        Map<Channel, Map<String, String>> content = inline && !answer ? content(node.get("content")) : null;
        Sender sender = sender(node.get("sender"));
        if (answer && sender == null) {
            throw new Invalid("an answer names the teammate who wrote it (sender)");
        }
        if (answer && node.get("text").asText().length() > 10_000) {
            throw new Invalid("an answer's text is over 10000 characters");
        }
        String categoryText = text(node, "category");
        Category category = categoryText == null
                ? Category.PRODUCT
                : Category.of(categoryText).orElseThrow(() -> new Invalid("unknown category " + categoryText));
        return new DeliveryRequest(
                node.get("messageId").asText(),
                text(node, "journey"),
                text(node, "step"),
                channels,
                inline || answer ? null : node.get("template").asText(),
                text(node, "locale"),
                user.get("id").asText(),
                traits != null && traits.isObject() ? json.convertValue(traits, MAP) : Map.of(),
                context != null && context.isObject() ? json.convertValue(context, MAP) : Map.of(),
                notBefore,
                sender,
                category,
                text(node, "broadcast"),
                "incident".equals(text(node, "origin")) && context != null && context.hasNonNull("incident")
                        ? context.get("incident").asText()
                        : null,
                content,
                answer ? node.get("conversation").asText() : null,
                answer ? node.get("text").asText() : null,
                answer || node.path("replies").asBoolean(false));
    }

    private static Map<Channel, Map<String, String>> content(JsonNode node) throws Invalid {
        if (!node.isObject() || node.isEmpty()) {
            throw new Invalid("content is not an object of channels");
        }
        Map<Channel, Map<String, String>> content = new LinkedHashMap<>();
        for (var entry : node.properties()) {
            Channel channel = Channel.of(entry.getKey())
                    .orElseThrow(() -> new Invalid("content names an unknown channel " + entry.getKey()));
            if (!entry.getValue().isObject()) {
                throw new Invalid("content." + entry.getKey() + " is not an object of fields");
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (var field : entry.getValue().properties()) {
                if (!field.getValue().isTextual()) {
                    throw new Invalid("content." + entry.getKey() + "." + field.getKey() + " is not a string");
                }
                fields.put(field.getKey(), field.getValue().asText());
            }
            content.put(channel, fields);
        }
        return content;
    }

    private static Sender sender(JsonNode node) throws Invalid {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new Invalid("sender is not an object");
        }
        String id = text(node, "id");
        String name = text(node, "name");
        String email = text(node, "email");
        if (id == null || id.isBlank() || name == null || name.isBlank() || email == null || email.isBlank()) {
            throw new Invalid("sender needs id, name and email");
        }
        String avatar = text(node, "avatar");
        if (avatar != null && !avatar.matches("(?i)https?://[^\\s\"'<>]+")) {
            avatar = null;
        }
        return new Sender(id, name, text(node, "role"), email, avatar);
    }

    /** Reads a request as stored in {@code deliveries.request}. */
    public static DeliveryRequest of(Map<String, Object> stored, ObjectMapper json) throws Invalid {
        return read(json.valueToTree(stored), json);
    }

    /** Where this channel reaches the user: their email, their phone, their inbox; null when they have none. */
    public String address(Channel channel) {
        Object address =
                switch (channel) {
                    case EMAIL -> traits.get("email");
                    case SMS -> traits.get("phone");
                    case IN_APP -> userId;
                    case WEBHOOK -> "webhook";
                };
        if (!(address instanceof String text) || text.isBlank()) {
            return null;
        }
        return text.trim();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
