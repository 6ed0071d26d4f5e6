package dev.onramp.dispatch.ledger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.templates.Channel;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A message request ({@code docs/contracts/message-requests.schema.json}) as this service reads it: checked once, when
 * it is consumed, then used typed.
 *
 * @param channels the request's channel, then its fallbacks, each once
 * @param notBefore the first moment it may be delivered; null when the request names none (deliver at once)
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
        Instant notBefore) {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    public DeliveryRequest {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(userId, "userId");
        channels = List.copyOf(channels);
        traits = traits == null ? Map.of() : traits;
        context = context == null ? Map.of() : context;
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
        for (String field : List.of("messageId", "channel", "template")) {
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
        return new DeliveryRequest(
                node.get("messageId").asText(),
                text(node, "journey"),
                text(node, "step"),
                channels,
                node.get("template").asText(),
                text(node, "locale"),
                user.get("id").asText(),
                traits != null && traits.isObject() ? json.convertValue(traits, MAP) : Map.of(),
                context != null && context.isObject() ? json.convertValue(context, MAP) : Map.of(),
                notBefore);
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
