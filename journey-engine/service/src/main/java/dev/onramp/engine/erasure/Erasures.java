package dev.onramp.engine.erasure;

import dev.onramp.pipeline.Tombstones;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Erasing a user from the engine's tables, and remembering that they were: only a digest of each id, so that a record
 * received before the request but read after it is dropped instead of bringing the user back. Works in the caller's
 * transaction.
 */
@ApplicationScoped
public class Erasures {

    /** What one erasure removed. */
    public record Erased(List<String> ids, int rows) {}

    /**
     * Deletes the user and the anonymous profiles joined to them — profile, enrollments with their timers, the journey
     * log, messages not yet relayed — after locking their profiles as the event consumer does, so an erasure and a
     * batch about the same user never interleave. {@code keepTopic}'s outbox records stay (the erasure itself).
     */
    public Erased erase(Connection c, String userId, Instant requestedAt, Instant now, String keepTopic)
            throws SQLException {
        Set<String> ids = new LinkedHashSet<>();
        ids.add(userId);
        try (PreparedStatement lock = c.prepareStatement(
                "SELECT user_id FROM profiles WHERE user_id = ? OR merged_into = ? ORDER BY user_id FOR UPDATE")) {
            lock.setString(1, userId);
            lock.setString(2, userId);
            try (ResultSet rs = lock.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        Array array = c.createArrayOf("text", ids.toArray());
        int rows = 0;
        for (String delete : List.of(
                "DELETE FROM enrollments WHERE user_id = ANY (?)",
                "DELETE FROM decisions WHERE user_id = ANY (?)",
                "DELETE FROM conversations WHERE user_id = ANY (?)",
                "DELETE FROM profiles WHERE user_id = ANY (?)",
                // A broadcast's counts keep the recipient, no longer who they were.
                "UPDATE broadcast_recipients SET user_id = 'erased:' || md5(user_id), message_id = NULL"
                        + " WHERE user_id = ANY (?)")) {
            try (PreparedStatement ps = c.prepareStatement(delete)) {
                ps.setArray(1, array);
                rows += ps.executeUpdate();
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM outbox WHERE record_key = ANY (?) AND topic <> ?")) {
            ps.setArray(1, array);
            ps.setString(2, keepTopic);
            rows += ps.executeUpdate();
        }
        Tombstones.record(c, ids, requestedAt, now);
        return new Erased(List.copyOf(ids), rows);
    }

    /** Profiles of erased users that a late record made again, empty: gone again. */
    public void forget(Connection c, Collection<String> userIds) throws SQLException {
        if (userIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM profiles WHERE user_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", new ArrayList<>(userIds).toArray()));
            ps.executeUpdate();
        }
    }
}
