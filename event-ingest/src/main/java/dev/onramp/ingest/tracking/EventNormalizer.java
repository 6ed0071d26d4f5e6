package dev.onramp.ingest.tracking;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.pipeline.problem.Problem.FieldError;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    static final String UNSTORABLE = "must not contain a NUL character (\\u0000) or an unpaired surrogate";

    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final ObjectMapper json;
    private final TraitGuard guard;

    /** Decides which traits of an identify call its source may set. */
    public interface TraitGuard {
        /** Removes from {@code traits} what the source may not set, and from {@code context} what must not be stored. */
        void screen(String sourceId, String userId, ObjectNode traits, ObjectNode context);
    }

    public EventNormalizer(ObjectMapper json, TraitGuard guard) {
        this.json = json;
        this.guard = guard;
    }

    /**
     * @param raw the event as sent
     * @param pathType the type the path names; {@code null} for a batch item, which names its own
     * @param batchSentAt the batch's {@code sentAt}, for items that carry none
     * @param pointer JSON Pointer of {@code raw} in the request, prefixed to every error
     * @param errors where problems are added; the result is only meaningful when none were
     */
    public Normalized normalize(
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

        String messageId = optionalId(raw, "messageId", pointer, errors);
        String userId = optionalId(raw, "userId", pointer, errors);
        String anonymousId = optionalId(raw, "anonymousId", pointer, errors);
        if (userId == null && anonymousId == null && !hasError(errors, before, pointer + "/userId")) {
            errors.add(new FieldError(pointer + "/userId", "userId or anonymousId is required"));
        }

        String event = null;
        String name = null;
        String category = null;
        String groupId = null;
        String previousId = null;
        switch (type) {
            case TRACK -> event = requiredName(raw, "event", pointer, errors);
            case PAGE, SCREEN -> {
                name = optionalName(raw, "name", pointer, errors);
                JsonNode categoryNode = raw.get("category");
                if (categoryNode != null && categoryNode.isTextual()) {
                    category = StorableText.clean(categoryNode.asText());
                }
            }
            case GROUP -> {
                groupId = optionalId(raw, "groupId", pointer, errors);
                if (groupId == null && !hasError(errors, before, pointer + "/groupId")) {
                    errors.add(new FieldError(pointer + "/groupId", "is required for a group call"));
                }
            }
            case ALIAS -> {
                previousId = optionalId(raw, "previousId", pointer, errors);
                if (previousId == null && !hasError(errors, before, pointer + "/previousId")) {
                    errors.add(new FieldError(pointer + "/previousId", "is required for an alias call"));
                }
                if (userId == null && !hasError(errors, before, pointer + "/userId")) {
                    errors.add(new FieldError(pointer + "/userId", "is required for an alias call"));
                }
            }
            case IDENTIFY -> {}
        }

        JsonNode properties = object(raw, "properties", pointer, errors);
        ObjectNode traits = object(raw, "traits", pointer, errors);
        ObjectNode context = object(raw, "context", pointer, errors);
        JsonNode integrations = raw.get("integrations");
        if (integrations != null && !integrations.isNull()) {
            integrations = object(raw, "integrations", pointer, errors);
        } else {
            integrations = null;
        }
        Instant timestamp = optionalTime(raw, "timestamp", pointer, errors);
        Instant sentAt = optionalTime(raw, "sentAt", pointer, errors);
        if (errors.size() != before) {
            return null;
        }
        // Group traits are the group's, not the user's: only an identify call's are screened.
        guard.screen(sourceId, userId, type == EventType.IDENTIFY ? traits : nodes.objectNode(), context);
        int cleaned = StorableText.clean(properties) + StorableText.clean(traits) + StorableText.clean(context);
        if (integrations != null) {
            cleaned += StorableText.clean(integrations);
        }
        if (sentAt == null) {
            sentAt = batchSentAt;
        }

        // Written straight to bytes, in the contract's order: no intermediate tree.
        ByteArrayBuilder bytes = new ByteArrayBuilder(512);
        try (JsonGenerator out = json.getFactory().createGenerator(bytes)) {
            out.writeStartObject();
            out.writeStringField("type", type.wireName());
            out.writeStringField("messageId", messageId != null ? messageId : randomId());
            out.writeStringField("userId", userId);
            out.writeStringField("anonymousId", anonymousId);
            if (event != null) {
                out.writeStringField("event", event);
            }
            if (name != null) {
                out.writeStringField("name", name);
            }
            if (category != null) {
                out.writeStringField("category", category);
            }
            if (type == EventType.GROUP) {
                out.writeStringField("groupId", groupId);
            }
            if (type == EventType.ALIAS) {
                out.writeStringField("previousId", previousId);
            }
            out.writeFieldName("properties");
            out.writeTree(properties);
            out.writeFieldName("traits");
            out.writeTree(traits);
            out.writeFieldName("context");
            out.writeTree(context);
            if (integrations != null) {
                out.writeFieldName("integrations");
                out.writeTree(integrations);
            }
            String received = format(receivedAt);
            if (timestamp == null) {
                out.writeStringField("timestamp", received);
            } else if (sentAt != null) {
                // The client's clock may be off; what it measured between the event and sending it is not.
                Duration skew = Duration.between(sentAt, receivedAt);
                out.writeStringField("timestamp", format(timestamp.plus(skew)));
                out.writeStringField("originalTimestamp", format(timestamp));
                out.writeStringField("sentAt", format(sentAt));
            } else {
                out.writeStringField("timestamp", format(timestamp));
            }
            out.writeStringField("receivedAt", received);
            out.writeStringField("sourceId", sourceId);
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a normalised event", e);
        }
        return new Normalized(userId != null ? userId : anonymousId, bytes.toByteArray(), cleaned);
    }

    /**
     * A normalised event: the record's key (the user) and its JSON.
     *
     * @param cleaned how many strings of its properties, traits and context held characters no store keeps (NUL, an
     *     unpaired surrogate) and were cleaned
     */
    public record Normalized(String key, byte[] json, int cleaned) {}

    /**
     * A random (version 4) UUID from a fast, non-cryptographic source: message ids must be unique, not secret, and
     * {@code UUID.randomUUID()}'s SecureRandom showed up in profiles of the single-event path.
     */
    static String randomId() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(most, least).toString();
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
        if (!StorableText.isStorable(value)) {
            errors.add(new FieldError(pointer + "/" + field, UNSTORABLE));
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
        if (!StorableText.isStorable(value)) {
            errors.add(new FieldError(pointer + "/" + field, UNSTORABLE));
            return null;
        }
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
