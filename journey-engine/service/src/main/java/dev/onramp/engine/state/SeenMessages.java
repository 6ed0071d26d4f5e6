package dev.onramp.engine.state;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
        Map<UUID, Key> byId = new LinkedHashMap<>();
        for (Key key : keys) {
            byId.putIfAbsent(idOf(key.userId(), key.messageId()), key);
        }
        Set<Key> fresh = new HashSet<>();
        if (byId.isEmpty()) {
            return fresh;
        }
        // Inserted: never seen. Updated: seen before the window began, so it counts as new again.
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO seen_messages (id, seen_at) SELECT id, ? FROM unnest(?::uuid[]) AS t(id)
                ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at WHERE seen_messages.seen_at < ?
                RETURNING id""")) {
            ps.setObject(1, StateStore.time(now));
            ps.setArray(2, c.createArrayOf("uuid", byId.keySet().toArray()));
            ps.setObject(3, StateStore.time(since));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.add(byId.get(rs.getObject(1, UUID.class)));
                }
            }
        }
        return fresh;
    }

    /**
     * The row's key for a user's message id: 128 bits of SHA-256 over both, NUL between them (ids never hold one;
     * event-ingest refuses it).
     */
    public static UUID idOf(String userId, String messageId) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        digest.update(userId.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        ByteBuffer hash = ByteBuffer.wrap(digest.digest(messageId.getBytes(StandardCharsets.UTF_8)));
        return new UUID(hash.getLong(), hash.getLong());
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
