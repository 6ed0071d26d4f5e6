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

    public void publish(Connection c, Event event, Instant at) throws SQLException {
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
        enqueue(c, config.topics().deliveryEvents(), event.userId(), out.toString(), "{}", at);
    }

    public void deadLetter(Connection c, String topic, String key, String payload, String reason, Instant at)
            throws SQLException {
        ObjectNode headers = json.createObjectNode();
        headers.put("onramp-dlq-reason", reason);
        headers.put("onramp-dlq-topic", topic);
        enqueue(c, topic + ".dlq", key == null ? "" : key, payload, headers.toString(), at);
    }

    private static void enqueue(Connection c, String topic, String key, String payload, String headers, Instant at)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO outbox (topic, record_key, payload, headers, created_at) VALUES (?, ?, ?, ?::jsonb, ?)")) {
            ps.setString(1, topic);
            ps.setString(2, key);
            ps.setString(3, payload);
            ps.setString(4, headers);
            ps.setObject(5, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }
}
