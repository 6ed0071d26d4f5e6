package dev.onramp.engine.state;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The message ids of the events applied lately ({@code seen_messages}), by user. One statement per batch, in the
 * batch's transaction, so an event and the memory of it commit or roll back together.
 */
@ApplicationScoped
public class SeenMessages {

    /** One event's identity. */
    public record Key(String userId, String messageId) {}

    private final DataSource dataSource;

    SeenMessages(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Remembers these events as seen now and returns those not seen since {@code since}: the ones to apply. Each key
     * is returned once, however often it comes.
     */
    public Set<Key> firstSightings(Connection c, Collection<Key> keys, Instant now, Instant since) throws SQLException {
        Set<Key> distinct = new LinkedHashSet<>(keys);
        Set<Key> fresh = new HashSet<>();
        if (distinct.isEmpty()) {
            return fresh;
        }
        String[] users = new String[distinct.size()];
        String[] ids = new String[distinct.size()];
        int i = 0;
        for (Key key : distinct) {
            users[i] = key.userId();
            ids[i++] = key.messageId();
        }
        // Inserted: never seen. Updated: seen before the window began, so it counts as new again.
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO seen_messages (user_id, message_id, seen_at)
                SELECT u, m, ? FROM unnest(?::text[], ?::text[]) AS t(u, m)
                ON CONFLICT (user_id, message_id) DO UPDATE SET seen_at = EXCLUDED.seen_at
                    WHERE seen_messages.seen_at < ?
                RETURNING user_id, message_id""")) {
            ps.setObject(1, StateStore.time(now));
            ps.setArray(2, c.createArrayOf("text", users));
            ps.setArray(3, c.createArrayOf("text", ids));
            ps.setObject(4, StateStore.time(since));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.add(new Key(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return fresh;
    }

    /** Forgets up to {@code limit} ids seen before {@code before}; returns how many. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public int forget(Instant before, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        DELETE FROM seen_messages WHERE ctid = ANY(ARRAY(
                            SELECT ctid FROM seen_messages WHERE seen_at < ? LIMIT ?))""")) {
            ps.setObject(1, StateStore.time(before));
            ps.setInt(2, limit);
            return ps.executeUpdate();
        }
    }
}
