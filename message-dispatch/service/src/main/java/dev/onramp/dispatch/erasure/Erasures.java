package dev.onramp.dispatch.erasure;

import dev.onramp.dispatch.preferences.Preferences;
import dev.onramp.pipeline.Tombstones;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Erasing a user from message-dispatch's tables: deliveries (with the request, the address and the rendered-from
 * traits), inbox messages, preferences, delivery events not yet relayed. What the law asks to keep stays, as digests
 * only: an address the user unsubscribed from on a whole channel, or that bounced or answered STOP, stays suppressed,
 * as {@code sha256:} of the address, so that the same address is never written to again if it comes back. Works in the
 * caller's transaction.
 */
@ApplicationScoped
public class Erasures {

    /** What one erasure removed. */
    public record Erased(int addresses, int rows) {}

    public Erased erase(Connection c, String userId, Instant requestedAt, Instant now) throws SQLException {
        Set<String> addresses = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT DISTINCT address FROM deliveries WHERE user_id = ? AND address IS NOT NULL")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    addresses.add(Preferences.key(rs.getString(1)));
                }
            }
        }
        Set<String> offChannels = new LinkedHashSet<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT channel FROM preferences WHERE user_id = ? AND journey = '*'")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    offChannels.add(rs.getString(1));
                }
            }
        }
        for (String address : addresses) {
            String channel = address.startsWith("+") ? "sms" : "email";
            String digest = Tombstones.digest(address);
            // A suppression of the address (bounce, STOP) becomes one of its digest.
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO suppressions (channel, address, reason, at)
                    SELECT channel, ?, reason, at FROM suppressions WHERE address = ?
                    ON CONFLICT DO NOTHING""")) {
                ps.setString(1, digest);
                ps.setString(2, address);
                ps.executeUpdate();
            }
            if (offChannels.contains(channel) || offChannels.contains("*")) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO suppressions (channel, address, reason, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                    ps.setString(1, channel);
                    ps.setString(2, digest);
                    ps.setString(3, "unsubscribed from every " + channel + " before being erased");
                    ps.setObject(4, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                    ps.executeUpdate();
                }
            }
        }
        int rows = 0;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM suppressions WHERE address = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", addresses.toArray()));
            rows += ps.executeUpdate();
        }
        for (String delete : List.of(
                "DELETE FROM deliveries WHERE user_id = ?",
                "DELETE FROM inbox_messages WHERE user_id = ?",
                "DELETE FROM conversations WHERE user_id = ?",
                "DELETE FROM channel_replies WHERE user_id = ?",
                "DELETE FROM handoffs WHERE user_id = ?",
                "DELETE FROM handoff_tickets WHERE user_id = ?",
                "DELETE FROM preferences WHERE user_id = ?",
                "DELETE FROM outbox WHERE record_key = ?")) {
            try (PreparedStatement ps = c.prepareStatement(delete)) {
                ps.setString(1, userId);
                rows += ps.executeUpdate();
            }
        }
        Tombstones.record(c, List.of(userId), requestedAt, now);
        return new Erased(addresses.size(), rows);
    }
}
