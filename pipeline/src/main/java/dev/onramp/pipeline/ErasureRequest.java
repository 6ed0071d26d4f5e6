package dev.onramp.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record of {@code onramp.erasures} as a service reads it (docs/contracts/erasures.schema.json): the user and when
 * the erasure was requested, or why the record is not a request (it then goes to the dead-letter topic).
 */
public record ErasureRequest(
        ConsumerRecord<String, byte[]> record, String userId, Instant requestedAt, String unreadable) {

    public static ErasureRequest read(ConsumerRecord<String, byte[]> record, ObjectMapper json) {
        try {
            JsonNode node = json.readTree(record.value());
            String userId = node == null ? "" : node.path("userId").asText("");
            if (userId.isEmpty()) {
                return new ErasureRequest(record, null, null, "an erasure without a userId");
            }
            return new ErasureRequest(
                    record, userId, Instant.parse(node.path("requestedAt").asText()), null);
        } catch (java.io.IOException | java.time.format.DateTimeParseException e) {
            return new ErasureRequest(record, null, null, "not an erasure request: " + e.getMessage());
        }
    }
}
