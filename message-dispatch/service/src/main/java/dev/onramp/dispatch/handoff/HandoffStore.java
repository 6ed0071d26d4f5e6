package dev.onramp.dispatch.handoff;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.outbox.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The hand-offs ledger ({@code handoffs}): stored with the request that asked for them, claimed in the order they were
 * written per conversation and destination, and each outcome recorded with its report to journey-engine (a delivery
 * event naming the conversation, the destination and the ticket) in one transaction.
 */
@ApplicationScoped
public class HandoffStore {

    private final DataSource dataSource;
    private final Outbox outbox;
    private final DispatchConfig config;
    private final ObjectMapper json;

    HandoffStore(DataSource dataSource, Outbox outbox, DispatchConfig config, ObjectMapper json) {
        this.dataSource = dataSource;
        this.outbox = outbox;
        this.config = config;
        this.json = json;
    }

    /** Stores hand-offs in the caller's transaction; one stored before is left as it is. */
    public void insertAll(Connection c, List<Handoff> handoffs, List<String> raw, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO handoffs (message_id, user_id, destination, conversation_id, request, due_at, created_at,
                    updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (message_id) DO NOTHING""")) {
            for (int i = 0; i < handoffs.size(); i++) {
                Handoff h = handoffs.get(i);
                ps.setString(1, h.messageId());
                ps.setString(2, h.userId());
                ps.setString(3, h.destination());
                ps.setString(4, h.conversation());
                ps.setString(5, raw.get(i));
                ps.setTimestamp(6, Timestamp.from(now));
                ps.setTimestamp(7, Timestamp.from(now));
                ps.setTimestamp(8, Timestamp.from(now));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * A claimed hand-off.
     *
     * @param ticket the conversation's ticket at this destination, when one is known
     */
    record Claimed(long seq, String messageId, String raw, int attempts, Instant createdAt, String ticket) {}

    /**
     * Claims due hand-offs for a while ({@code lease}): the first pending one of each conversation and destination,
     * so that a follow-up never overtakes the message that opens its ticket.
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public List<Claimed> claim(int limit, Instant now, Duration lease) throws SQLException {
        List<Claimed> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        UPDATE handoffs h SET claimed_until = ?, updated_at = ?
                        WHERE h.message_id IN (
                            SELECT message_id FROM handoffs c
                            WHERE c.status = 'pending' AND c.due_at <= ?
                              AND (c.claimed_until IS NULL OR c.claimed_until < ?)
                              AND NOT EXISTS (SELECT 1 FROM handoffs e
                                  WHERE e.destination = c.destination AND e.conversation_id = c.conversation_id
                                    AND e.status = 'pending' AND e.seq < c.seq)
                            ORDER BY c.seq LIMIT ? FOR UPDATE SKIP LOCKED)
                        RETURNING h.seq, h.message_id, h.request, h.attempts, h.created_at,
                            (SELECT t.ticket FROM handoff_tickets t
                             WHERE t.destination = h.destination AND t.conversation_id = h.conversation_id)""")) {
            ps.setTimestamp(1, Timestamp.from(now.plus(lease)));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setInt(5, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Claimed(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getInt(4),
                            rs.getTimestamp(5).toInstant(),
                            rs.getString(6)));
                }
            }
        }
        out.sort(Comparator.comparingLong(Claimed::seq));
        return out;
    }

    /** Gives claimed hand-offs back, due at {@code at} (a chat webhook's one message a second). */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void defer(List<String> messageIds, Instant at) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE handoffs SET claimed_until = NULL, due_at = ? WHERE message_id = ANY (?)")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setArray(2, c.createArrayOf("text", messageIds.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Records how a hand-off went: done (its ticket kept for the conversation's follow-ups), tried again later, or
     * given up — failed and parked on the dead-letter topic with why — and, when it is over, reported to
     * journey-engine.
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void record(Claimed claimed, Handoff h, Handed handed, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Handed.Kind kind = handed.kind();
            boolean tooLate = Duration.between(claimed.createdAt(), now)
                            .compareTo(config.handoffs().giveUpAfter())
                    > 0;
            if (kind == Handed.Kind.TRANSIENT && !tooLate) {
                Duration wait = backoff(claimed.attempts() + 1);
                if (handed.retryAfter() != null && handed.retryAfter().compareTo(wait) > 0) {
                    wait = handed.retryAfter();
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE handoffs SET attempts = attempts + 1, due_at = ?, claimed_until = NULL, detail = ?,
                            updated_at = ?
                        WHERE message_id = ?""")) {
                    ps.setTimestamp(1, Timestamp.from(now.plus(wait)));
                    ps.setString(2, handed.detail());
                    ps.setTimestamp(3, Timestamp.from(now));
                    ps.setString(4, claimed.messageId());
                    ps.executeUpdate();
                }
                return;
            }
            boolean done = kind == Handed.Kind.DONE;
            String detail = done
                    ? handed.detail()
                    : (tooLate && kind == Handed.Kind.TRANSIENT
                                    ? "given up after "
                                            + config.handoffs().giveUpAfter().toHours() + " h: "
                                    : "")
                            + handed.detail();
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE handoffs SET status = ?, attempts = attempts + 1, claimed_until = NULL, detail = ?,
                        ticket = ?, updated_at = ?
                    WHERE message_id = ?""")) {
                ps.setString(1, done ? "sent" : "failed");
                ps.setString(2, detail);
                ps.setString(3, handed.ticket());
                ps.setTimestamp(4, Timestamp.from(now));
                ps.setString(5, claimed.messageId());
                ps.executeUpdate();
            }
            if (done && handed.ticket() != null) {
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO handoff_tickets (destination, conversation_id, user_id, ticket) VALUES (?, ?, ?, ?)
                        ON CONFLICT (destination, conversation_id) DO NOTHING""")) {
                    ps.setString(1, h.destination());
                    ps.setString(2, h.conversation());
                    ps.setString(3, h.userId());
                    ps.setString(4, handed.ticket());
                    ps.executeUpdate();
                }
            }
            Outbox.Writer out = outbox.writer();
            if (!done) {
                out.deadLetter(
                        config.topics().messageRequests(),
                        null,
                        null,
                        h.userId(),
                        claimed.raw().getBytes(StandardCharsets.UTF_8),
                        "hand-off to " + h.destination() + " failed: " + detail,
                        now);
            }
            ObjectNode event = json.createObjectNode();
            event.put("messageId", h.messageId());
            event.put("userId", h.userId());
            event.putNull("journey");
            event.putNull("step");
            event.put("channel", h.channel());
            event.put("status", done ? "delivered" : "failed");
            event.put("at", now.toString());
            event.put("detail", detail);
            event.put("conversation", h.conversation());
            event.put("destination", h.destination());
            if (handed.ticket() != null) {
                event.put("ticket", handed.ticket());
            }
            out.publish(config.topics().deliveryEvents(), h.userId(), event, now);
            out.flush();
        }
    }

    /** After the n-th failed try: first-retry doubling, up to max-retry, with jitter in [d/2, d]. */
    Duration backoff(int attempts) {
        long base = config.handoffs().firstRetry().toMillis() * (1L << Math.min(attempts - 1, 20));
        long capped = Math.min(base, config.handoffs().maxRetry().toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
