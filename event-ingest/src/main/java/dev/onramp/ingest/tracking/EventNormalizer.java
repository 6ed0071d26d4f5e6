package dev.onramp.ingest.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.ingest.Problem.FieldError;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;

/**
 * Turns a Segment call into the {@code onramp.events} contract ({@code docs/contracts/events.schema.json}): checks
 * the fields, generates a {@code messageId} when absent, stamps {@code receivedAt} and {@code sourceId}, and
 * corrects the client's clock skew as Segment does: {@code timestamp + (receivedAt - sentAt)}.
 */
public final class EventNormalizer {

    static final int MAX_ID_LENGTH = 256;
    static final int MAX_NAME_LENGTH = 512;

    private final JsonNodeFactory nodes = JsonNodeFactory.instance;

    /**
     * @param raw the event as sent
     * @param pathType the type the path names; {@code null} for a batch item, which names its own
     * @param batchSentAt the batch's {@code sentAt}, for items that carry none
     * @param pointer JSON Pointer of {@code raw} in the request, prefixed to every error
     * @param errors where problems are added; the result is only meaningful when none were
     */
    public ObjectNode normalize(
            JsonNode raw,
            EventType pathType,
            String sourceId,
            Instant receivedAt,
            Instant batchSentAt,
            String pointer,
            List<FieldError> errors) {
        int before = errors.size();
        if (!raw.isObject()) {
            errors.add(new FieldError(pointer.isEmpty() ? "/" : pointer, "must be a JSON object"));
            return null;
        }
        EventType type = pathType;
        if (type == null) {
            JsonNode typeNode = raw.get("type");
            if (typeNode == null || !typeNode.isTextual()) {
                errors.add(new FieldError(
                        pointer + "/type", "is required: track, identify, page, screen, group or alias"));
                return null;
            }
            type = EventType.of(typeNode.asText()).orElse(null);
            if (type == null) {
                errors.add(new FieldError(
                        pointer + "/type",
                        "must be track, identify, page, screen, group or alias, not '" + abbreviate(typeNode.asText())
                                + "'"));
                return null;
            }
        }

        ObjectNode out = nodes.objectNode();
        out.put("type", type.wireName());

        String messageId = optionalId(raw, "messageId", pointer, errors);
        out.put("messageId", messageId != null ? messageId : UUID.randomUUID().toString());

        String userId = optionalId(raw, "userId", pointer, errors);
        String anonymousId = optionalId(raw, "anonymousId", pointer, errors);
        if (userId == null && anonymousId == null && !hasError(errors, before, pointer + "/userId")) {
            errors.add(new FieldError(pointer + "/userId", "userId or anonymousId is required"));
        }
        out.put("userId", userId);
        out.put("anonymousId", anonymousId);

        switch (type) {
            case TRACK -> {
                String event = requiredName(raw, "event", pointer, errors);
                out.put("event", event);
            }
            case PAGE, SCREEN -> {
                String name = optionalName(raw, "name", pointer, errors);
                if (name != null) {
                    out.put("name", name);
                }
                JsonNode category = raw.get("category");
                if (category != null && category.isTextual()) {
                    out.put("category", category.asText());
                }
            }
            case GROUP -> {
                String groupId = optionalId(raw, "groupId", pointer, errors);
                if (groupId == null && !hasError(errors, before, pointer + "/groupId")) {
                    errors.add(new FieldError(pointer + "/groupId", "is required for a group call"));
                }
                out.put("groupId", groupId);
            }
            case ALIAS -> {
                String previousId = optionalId(raw, "previousId", pointer, errors);
                if (previousId == null && !hasError(errors, before, pointer + "/previousId")) {
                    errors.add(new FieldError(pointer + "/previousId", "is required for an alias call"));
                }
                if (userId == null && !hasError(errors, before, pointer + "/userId")) {
                    errors.add(new FieldError(pointer + "/userId", "is required for an alias call"));
                }
                out.put("previousId", previousId);
            }
            case IDENTIFY -> {}
        }

        out.set("properties", object(raw, "properties", pointer, errors));
        out.set("traits", object(raw, "traits", pointer, errors));
        out.set("context", object(raw, "context", pointer, errors));
        JsonNode integrations = raw.get("integrations");
        if (integrations != null && !integrations.isNull()) {
            out.set("integrations", object(raw, "integrations", pointer, errors));
        }

        Instant timestamp = optionalTime(raw, "timestamp", pointer, errors);
        Instant sentAt = optionalTime(raw, "sentAt", pointer, errors);
        if (sentAt == null) {
            sentAt = batchSentAt;
        }
        if (timestamp == null) {
            out.put("timestamp", format(receivedAt));
        } else if (sentAt != null) {
            // The client's clock may be off; what it measured between the event and sending it is not.
            Duration skew = Duration.between(sentAt, receivedAt);
            out.put("timestamp", format(timestamp.plus(skew)));
            out.put("originalTimestamp", format(timestamp));
            out.put("sentAt", format(sentAt));
        } else {
            out.put("timestamp", format(timestamp));
        }
        out.put("receivedAt", format(receivedAt));
        out.put("sourceId", sourceId);
        return errors.size() == before ? out : null;
    }

    private static boolean hasError(List<FieldError> errors, int from, String pointer) {
        for (int i = from; i < errors.size(); i++) {
            if (errors.get(i).pointer().equals(pointer)) {
                return true;
            }
        }
        return false;
    }

    private static String optionalId(JsonNode raw, String field, String pointer, List<FieldError> errors) {
        JsonNode node = raw.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        String value;
        if (node.isTextual()) {
            value = node.asText().trim();
        } else if (node.isIntegralNumber()) {
            value = node.asText();
        } else {
            errors.add(new FieldError(pointer + "/" + field, "must be a string"));
            return null;
        }
        if (value.isEmpty()) {
            return null;
        }
        if (value.length() > MAX_ID_LENGTH) {
            errors.add(new FieldError(pointer + "/" + field, "must be at most " + MAX_ID_LENGTH + " characters"));
            return null;
        }
        return value;
    }

    private static String requiredName(JsonNode raw, String field, String pointer, List<FieldError> errors) {
        JsonNode node = raw.get(field);
        if (node == null || node.isNull() || (node.isTextual() && node.asText().isBlank())) {
            errors.add(new FieldError(pointer + "/" + field, "is required for a track call"));
            return null;
        }
        return optionalName(raw, field, pointer, errors);
    }

    private static String optionalName(JsonNode raw, String field, String pointer, List<FieldError> errors) {
        JsonNode node = raw.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            errors.add(new FieldError(pointer + "/" + field, "must be a string"));
            return null;
        }
        String value = node.asText();
        if (value.length() > MAX_NAME_LENGTH) {
            errors.add(new FieldError(pointer + "/" + field, "must be at most " + MAX_NAME_LENGTH + " characters"));
            return null;
        }
        return value;
    }

    private ObjectNode object(JsonNode raw, String field, String pointer, List<FieldError> errors) {
        JsonNode node = raw.get(field);
        if (node == null || node.isNull()) {
            return nodes.objectNode();
        }
        if (!node.isObject()) {
            errors.add(new FieldError(pointer + "/" + field, "must be a JSON object"));
            return nodes.objectNode();
        }
        return (ObjectNode) node;
    }

    private static Instant optionalTime(JsonNode raw, String field, String pointer, List<FieldError> errors) {
        JsonNode node = raw.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            errors.add(new FieldError(pointer + "/" + field, "must be an ISO-8601 date-time string"));
            return null;
        }
        Instant instant = parseTime(node.asText());
        if (instant == null) {
            errors.add(new FieldError(
                    pointer + "/" + field,
                    "must be an ISO-8601 date-time such as 2026-03-02T09:00:00Z, not '" + abbreviate(node.asText())
                            + "'"));
        }
        return instant;
    }

    /** An ISO-8601 instant with an offset or {@code Z}; {@code null} when it is not one. */
    public static Instant parseTime(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
