package dev.onramp.engine.broadcast;

import dev.onramp.journey.run.SendPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The SQL of incidents ({@code V9__broadcasts.sql}); every method runs in the caller's transaction. */
@ApplicationScoped
public class IncidentStore {

    /** An incident as stored. */
    public record Row(
            String id,
            String title,
            String state,
            boolean holdNudges,
            String idempotencyKey,
            String requestHash,
            String notice,
            Instant openedAt,
            Instant resolvedAt) {

        public boolean open() {
            return state.equals("open");
        }
    }

    public void create(
            Connection c,
            String id,
            String title,
            boolean holdNudges,
            String key,
            String hash,
            String notice,
            Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO incidents (id, title, state, hold_nudges, idempotency_key, request_hash, notice, opened_at)
                VALUES (?, ?, 'open', ?, ?, ?, ?, ?)""")) {
            ps.setString(1, id);
            ps.setString(2, title);
            ps.setBoolean(3, holdNudges);
            ps.setString(4, key);
            ps.setString(5, hash);
            ps.setString(6, notice);
            ps.setObject(7, now.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE broadcasts SET incident = ? WHERE id = ?")) {
            ps.setString(1, id);
            ps.setString(2, notice);
            ps.executeUpdate();
        }
    }

    public Optional<Row> find(Connection c, String id) throws SQLException {
        return select(c, "id = ?", id, 1, false).stream().findFirst();
    }

    /** The incident with its row locked until the transaction ends: its updates and resolve happen one at a time. */
    public Optional<Row> lock(Connection c, String id) throws SQLException {
        return select(c, "id = ?", id, 1, true).stream().findFirst();
    }

    public Optional<Row> findByKey(Connection c, String key) throws SQLException {
        return select(c, "idempotency_key = ?", key, 1, false).stream().findFirst();
    }

    public List<Row> latest(Connection c, int limit) throws SQLException {
        return select(c, "true", null, limit, false);
    }

    /**
     * Resolves the incident. When it held its audience's journey messages, it lets them go: the hold comes off each
     * user its notice reached, and their journey timers still ahead move later by the time the incident was open, as
     * if the wait had paused; a message held while it was open goes out now, the held messages spread over up to a
     * minute rather than all at once.
     */
    public void resolve(Connection c, Row incident, Instant now, Duration recheck) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE incidents SET state = 'resolved', resolved_at = ? WHERE id = ?")) {
            ps.setObject(1, now.atOffset(ZoneOffset.UTC));
            ps.setString(2, incident.id());
            ps.executeUpdate();
        }
        if (!incident.holdNudges()) {
            return;
        }
        String audience = "SELECT user_id FROM broadcast_recipients WHERE broadcast = ? AND status = 'sent'";
        String key = SendPolicy.HELD + incident.id();
        // A timer further ahead than one recheck moves by the time the incident was open; one within it is a held
        // message's next try, which goes out now, spread over a minute at most so that they do not leave at once.
        Duration spread = recheck.compareTo(Duration.ofMinutes(1)) < 0 ? recheck : Duration.ofMinutes(1);
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE enrollments e SET due_at = CASE
                    WHEN e.due_at > ?::timestamptz THEN e.due_at + (?::timestamptz - ?::timestamptz)
                    ELSE ?::timestamptz + random() * (? * interval '1 millisecond') END
                FROM profiles p
                WHERE p.user_id = e.user_id AND jsonb_exists(p.blocked, ?) AND e.user_id IN (%s)
                  AND e.due_at IS NOT NULL""".formatted(audience))) {
            ps.setObject(1, now.plus(recheck).atOffset(ZoneOffset.UTC));
            ps.setObject(2, now.atOffset(ZoneOffset.UTC));
            ps.setObject(3, incident.openedAt().atOffset(ZoneOffset.UTC));
            ps.setObject(4, now.atOffset(ZoneOffset.UTC));
            ps.setLong(5, spread.toMillis());
            ps.setString(6, key);
            ps.setString(7, incident.notice());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE profiles SET blocked = blocked - ? WHERE user_id IN ("
                + audience + ") AND jsonb_exists(blocked, ?)")) {
            ps.setString(1, key);
            ps.setString(2, incident.notice());
            ps.setString(3, key);
            ps.executeUpdate();
        }
    }

    private List<Row> select(Connection c, String where, String parameter, int limit, boolean lock)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT id, title, state, hold_nudges, idempotency_key, request_hash, notice, opened_at, resolved_at
                FROM incidents WHERE %s ORDER BY opened_at DESC, id LIMIT ? %s""".formatted(where, lock ? "FOR UPDATE" : ""))) {
            int i = 1;
            if (parameter != null) {
                ps.setString(i++, parameter);
            }
            ps.setInt(i, limit);
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getBoolean(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7),
                            instant(rs.getTimestamp(8)),
                            instant(rs.getTimestamp(9))));
                }
            }
            return rows;
        }
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
