package dev.onramp.dispatch.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.pipeline.DeadLetters;
import dev.onramp.pipeline.Storable;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Writes what this service publishes — delivery events, dead letters — to the outbox table, in the caller's
 * transaction, so an outcome and its report are committed together; {@link OutboxRelay} sends them on afterwards.
 */
@ApplicationScoped
public class Outbox {

    private final DataSource dataSource;
    private final ObjectMapper json;
    private final DispatchConfig config;
    private final OutboxRelay relay;

    Outbox(DataSource dataSource, ObjectMapper json, DispatchConfig config, OutboxRelay relay) {
        this.dataSource = dataSource;
        this.json = json;
        this.config = config;
        this.relay = relay;
    }

    /** Records to write in the current transaction, together, at {@link Writer#flush()}. */
    public Writer writer() {
        return new Writer();
    }

    /** Writes one delivery event in the current transaction. */
    public void publish(DeliveryEvent event, Instant at) throws SQLException {
        Writer writer = writer();
        writer.publish(event, at);
        writer.flush();
    }

    /** The outbox records of one transaction. */
    public final class Writer {

        private record Row(String topic, String key, byte[] payload, Map<String, String> headers, Instant at) {}

        private final List<Row> rows = new ArrayList<>();

        public void publish(DeliveryEvent event, Instant at) {
            ObjectNode out = json.createObjectNode();
            out.put("messageId", event.messageId());
            out.put("userId", event.userId());
            out.put("journey", event.journey());
            out.put("step", event.step());
            out.put("channel", event.channel());
            out.put("status", event.status());
            out.put("at", at.toString());
            if (event.detail() == null) {
                out.putNull("detail");
            } else {
                out.put("detail", Storable.text(event.detail(), 4_000));
            }
            if (event.scope() != null) {
                out.put("scope", event.scope());
            }
            if (event.cause() != null) {
                out.put("cause", event.cause());
            }
            if (event.broadcast() != null) {
                out.put("broadcast", event.broadcast());
            }
            if (event.category() != null) {
                out.put("category", event.category());
            }
            rows.add(new Row(
                    config.topics().deliveryEvents(),
                    event.userId(),
                    out.toString().getBytes(StandardCharsets.UTF_8),
                    Map.of(),
                    at));
        }

        /** Writes one record of another topic this service publishes ({@code onramp.conversations}), keyed by user. */
        public void publish(String topic, String userId, ObjectNode record, Instant at) {
            rows.add(new Row(topic, userId, record.toString().getBytes(StandardCharsets.UTF_8), Map.of(), at));
        }

        /**
         * Parks a record on {@code <topic>.dlq}: as it was, with why and where it came from in the headers
         * ({@link DeadLetters}).
         */
        public void deadLetter(
                String topic, Integer partition, Long offset, String key, byte[] payload, String reason, Instant at) {
            Map<String, String> headers = DeadLetters.headers(reason, topic, partition, offset);
            rows.add(new Row(
                    topic + ".dlq",
                    key == null ? "" : Storable.text(key, 1_000),
                    payload == null ? new byte[0] : payload,
                    headers,
                    at));
        }

        public boolean isEmpty() {
            return rows.isEmpty();
        }

        /** Writes the records, in the order they were added, and has them relayed once the transaction commits. */
        public void flush() throws SQLException {
            if (rows.isEmpty()) {
                return;
            }
            try (Connection c = dataSource.getConnection();
                    PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO outbox (topic, record_key, payload, headers, created_at) VALUES (?, ?, ?, ?::jsonb, ?)")) {
                for (Row row : rows) {
                    insert.setString(1, row.topic());
                    insert.setString(2, row.key());
                    insert.setBytes(3, row.payload());
                    insert.setString(4, headers(row.headers()));
                    insert.setObject(5, OffsetDateTime.ofInstant(row.at(), ZoneOffset.UTC));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            rows.clear();
            relay.afterCommit();
        }

        private String headers(Map<String, String> headers) {
            try {
                return json.writeValueAsString(headers);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
