package dev.onramp.pipeline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * What a service keeps of the users it erased (its {@code erasures} table): not their ids, a digest of each, and when
 * the erasure was requested. Records about a user sent before that moment but read after it — on another topic or
 * partition than the request — are dropped, so that they do not bring the user back. Works in the caller's
 * transaction.
 */
public final class Tombstones {

    private Tombstones() {}

    /** {@code sha256:<hex>} of the text: what is kept of an erased id or address. */
    public static String digest(String text) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(
                                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Remembers that these ids were erased on a request made at {@code requestedAt}; the latest request counts. */
    public static void record(Connection c, Collection<String> ids, Instant requestedAt, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO erasures (user_digest, requested_at, applied_at) VALUES (?, ?, ?)
                ON CONFLICT (user_digest) DO UPDATE
                SET requested_at = greatest(erasures.requested_at, excluded.requested_at),
                    applied_at = excluded.applied_at""")) {
            for (String id : ids) {
                ps.setString(1, digest(id));
                ps.setObject(2, OffsetDateTime.ofInstant(requestedAt, ZoneOffset.UTC));
                ps.setObject(3, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** When each of these ids was erased (its latest request), for those that were. */
    public static Map<String, Instant> erasedAt(Connection c, Collection<String> ids) throws SQLException {
        Map<String, Instant> erased = new HashMap<>();
        if (ids.isEmpty()) {
            return erased;
        }
        Map<String, String> byDigest = new HashMap<>();
        for (String id : ids) {
            byDigest.put(digest(id), id);
        }
        try (PreparedStatement ps =
                c.prepareStatement("SELECT user_digest, requested_at FROM erasures WHERE user_digest = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", byDigest.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    erased.put(byDigest.get(rs.getString(1)), rs.getTimestamp(2).toInstant());
                }
            }
        }
        return erased;
    }

    /** Whether a record written at {@code writtenAt} about a user erased at {@code erasedAt} (or null) is stale. */
    public static boolean stale(long writtenAtMillis, Instant erasedAt) {
        return erasedAt != null && !Instant.ofEpochMilli(writtenAtMillis).isAfter(erasedAt);
    }
}
