package dev.onramp.dispatch.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.dispatch.DispatchConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Writes delivery events ({@code docs/contracts/delivery-events.schema.json}) to the outbox, in the caller's
 * transaction, so an outcome and its report are committed together.
 */
@ApplicationScoped
public class DeliveryEvents {

    private final ObjectMapper json;
    private final DispatchConfig config;

    DeliveryEvents(ObjectMapper json, DispatchConfig config) {
        this.json = json;
        this.config = config;
    }

    /** What a delivery event says. {@code scope} is only for unsubscribes: "channel" or "journey". */
    public record Event(
            String messageId,
            String userId,
            String journey,
            String step,
            String channel,
            String status,
            String detail,
            String scope) {}

    /** Writes one event now, in the caller's transaction. */
    public void publish(Connection c, Event event, Instant at) throws SQLException {
        try (Writer writer = writer(c)) {
            writer.publish(event, at);
            writer.flush();
        }
    }

    public void deadLetter(Connection c, String topic, String key, String payload, String reason, Instant at)
            throws SQLException {
        try (Writer writer = writer(c)) {
            writer.deadLetter(topic, key, payload, reason, at);
            writer.flush();
        }
    }

    /** Collects outbox records and writes them in one batch, in the order they were added. */
    public Writer writer(Connection c) throws SQLException {
        return new Writer(c.prepareStatement(
                "INSERT INTO outbox (topic, record_key, payload, headers, created_at) VALUES (?, ?, ?, ?::jsonb, ?)"));
    }

    /** Outbox records of one transaction; {@link #flush()} before committing. */
    public final class Writer implements AutoCloseable {

        private final PreparedStatement insert;
        private int pending;

        private Writer(PreparedStatement insert) {
            this.insert = insert;
        }

        public void publish(Event event, Instant at) throws SQLException {
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
                out.put("detail", event.detail());
            }
            if (event.scope() != null) {
                out.put("scope", event.scope());
            }
            add(config.topics().deliveryEvents(), event.userId(), out.toString(), "{}", at);
        }

        public void deadLetter(String topic, String key, String payload, String reason, Instant at)
                throws SQLException {
            ObjectNode headers = json.createObjectNode();
            headers.put("onramp-dlq-reason", reason);
            headers.put("onramp-dlq-topic", topic);
            add(topic + ".dlq", key == null ? "" : key, payload, headers.toString(), at);
        }

        private void add(String topic, String key, String payload, String headers, Instant at) throws SQLException {
            insert.setString(1, topic);
            insert.setString(2, key);
            insert.setString(3, payload);
            insert.setString(4, headers);
            insert.setObject(5, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
            insert.addBatch();
            pending++;
        }

        public void flush() throws SQLException {
            if (pending > 0) {
                insert.executeBatch();
                pending = 0;
            }
        }

        @Override
        public void close() throws SQLException {
            insert.close();
        }
    }
}
