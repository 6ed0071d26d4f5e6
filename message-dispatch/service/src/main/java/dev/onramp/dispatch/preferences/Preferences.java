package dev.onramp.dispatch.preferences;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What each user unsubscribed from, and the addresses that must not be used again (bounces, STOP replies). Both are
 * checked before every send.
 */
@ApplicationScoped
public class Preferences {

    /** One unsubscription: a journey ({@code *} for all) on a channel ({@code *} for all). */
    public record Unsubscription(String journey, String channel, Instant at) {}

    /** What each of these users unsubscribed from: one query for a batch of messages. */
    public java.util.Map<String, List<Unsubscription>> ofUsers(Connection c, java.util.Collection<String> userIds)
            throws SQLException {
        java.util.Map<String, List<Unsubscription>> result = new java.util.HashMap<>();
        if (userIds.isEmpty()) {
            return result;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT user_id, journey, channel, unsubscribed_at FROM preferences WHERE user_id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("text", userIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new Unsubscription(
                                    rs.getString(2),
                                    rs.getString(3),
                                    rs.getObject(4, OffsetDateTime.class).toInstant()));
                }
            }
        }
        return result;
    }

    /** Why these unsubscriptions stop this journey's messages on this channel, or null when they do not. */
    public static String unsubscribed(List<Unsubscription> unsubscriptions, String journey, String channel) {
        String j = journey == null ? "*" : journey;
        for (Unsubscription u : unsubscriptions) {
            boolean allJourneys = u.journey().equals("*");
            boolean allChannels = u.channel().equals("*");
            if ((allJourneys || u.journey().equals(j))
                    && (allChannels || u.channel().equals(channel))) {
                return "the user unsubscribed from " + (allJourneys ? "all messages" : "this journey's messages")
                        + (allChannels ? "" : " by " + channel);
            }
        }
        return null;
    }

    public List<Unsubscription> of(Connection c, String userId) throws SQLException {
        List<Unsubscription> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT journey, channel, unsubscribed_at FROM preferences WHERE user_id = ? ORDER BY journey, channel")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Unsubscription(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getObject(3, OffsetDateTime.class).toInstant()));
                }
            }
        }
        return out;
    }

    /** @return whether it changed anything */
    public boolean unsubscribe(Connection c, String userId, String journey, String channel, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO preferences (user_id, journey, channel, unsubscribed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, userId);
            ps.setString(2, journey == null ? "*" : journey);
            ps.setString(3, channel);
            ps.setObject(4, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            return ps.executeUpdate() > 0;
        }
    }

    /** @return whether it changed anything */
    public boolean resubscribe(Connection c, String userId, String journey, String channel) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM preferences WHERE user_id = ? AND journey = ? AND channel = ?")) {
            ps.setString(1, userId);
            ps.setString(2, journey == null ? "*" : journey);
            ps.setString(3, channel);
            return ps.executeUpdate() > 0;
        }
    }

    /** The journeys that ever messaged this user, for the preference page. */
    public List<String> journeysOf(Connection c, String userId) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT DISTINCT journey FROM deliveries WHERE user_id = ? AND journey IS NOT NULL ORDER BY journey")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    // ---- suppressed addresses

    public String suppression(Connection c, String channel, String address) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT reason FROM suppressions WHERE channel = ? AND address = ?")) {
            ps.setString(1, channel);
            ps.setString(2, normalize(address));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The suppressed ones among these addresses of a channel, with why: one query for a batch of messages. */
    public java.util.Map<String, String> suppressions(
            Connection c, String channel, java.util.Collection<String> addresses) throws SQLException {
        java.util.Map<String, String> result = new java.util.HashMap<>();
        if (addresses.isEmpty()) {
            return result;
        }
        try (PreparedStatement ps =
                c.prepareStatement("SELECT address, reason FROM suppressions WHERE channel = ? AND address = ANY(?)")) {
            ps.setString(1, channel);
            ps.setArray(
                    2,
                    c.createArrayOf(
                            "text",
                            addresses.stream().map(Preferences::normalize).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return result;
    }

    /** The key of an address in {@link #suppressions}. */
    public static String key(String address) {
        return normalize(address);
    }

    public void suppress(Connection c, String channel, String address, String reason, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO suppressions (channel, address, reason, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, channel);
            ps.setString(2, normalize(address));
            ps.setString(3, reason);
            ps.setObject(4, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }

    public boolean unsuppress(Connection c, String channel, String address) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM suppressions WHERE channel = ? AND address = ?")) {
            ps.setString(1, channel);
            ps.setString(2, normalize(address));
            return ps.executeUpdate() > 0;
        }
    }

    private static String normalize(String address) {
        return address.trim().toLowerCase(Locale.ROOT);
    }
}
