package dev.onramp.dispatch.preferences;

import dev.onramp.dispatch.ledger.Category;
import dev.onramp.dispatch.ledger.Delivery;
import dev.onramp.pipeline.Tombstones;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What each user unsubscribed from, and the addresses that must not be used again (bounces, STOP replies). Both are
 * checked before every send. Every method works in the caller's transaction.
 */
@ApplicationScoped
public class Preferences {

    /** What each of these users unsubscribed from: one query for a batch of messages. */
    public Map<String, List<Unsubscription>> ofUsers(Collection<String> userIds) {
        Map<String, List<Unsubscription>> result = new HashMap<>();
        if (userIds.isEmpty()) {
            return result;
        }
        for (Unsubscription u : byArray(
                "SELECT user_id, journey, channel, unsubscribed_at FROM preferences WHERE user_id = ANY (?)",
                userIds,
                null,
                rs -> {
                    Unsubscription row = new Unsubscription();
                    row.userId = rs.getString(1);
                    row.journey = rs.getString(2);
                    row.channel = rs.getString(3);
                    row.unsubscribedAt =
                            rs.getObject(4, java.time.OffsetDateTime.class).toInstant();
                    return row;
                })) {
            result.computeIfAbsent(u.userId, k -> new java.util.ArrayList<>()).add(u);
        }
        return result;
    }

    /**
     * What a row of {@code preferences} unsubscribes from besides a journey: all of a category's messages on a channel
     * ({@code category:marketing}). Journey ids cannot hold a colon, so the two never meet.
     */
    public static final String CATEGORY = "category:";

    /** The scope of an unsubscribe from all of a category's messages. */
    public static String categoryScope(Category category) {
        return CATEGORY + category.wireName();
    }

    /** The category a scope unsubscribes from; empty for a journey or everything. */
    public static Optional<Category> categoryOf(String scope) {
        return scope != null && scope.startsWith(CATEGORY)
                ? Category.of(scope.substring(CATEGORY.length()))
                : Optional.empty();
    }

    /**
     * Why these unsubscriptions stop a message of this journey (null for none) and category on this channel, or null
     * when they do not.
     */
    public static String unsubscribed(
            List<Unsubscription> unsubscriptions, String journey, Category category, String channel) {
        String j = journey == null ? "*" : journey;
        String c = categoryScope(category);
        for (Unsubscription u : unsubscriptions) {
            boolean allJourneys = u.journey.equals("*");
            boolean allChannels = u.channel.equals("*");
            boolean ofCategory = u.journey.equals(c);
            if ((allJourneys || ofCategory || u.journey.equals(j)) && (allChannels || u.channel.equals(channel))) {
                return "the user unsubscribed from "
                        + (allJourneys
                                ? "all messages"
                                : ofCategory ? category.wireName() + " messages" : "this journey's messages")
                        + (allChannels ? "" : " by " + channel);
            }
        }
        return null;
    }

    /**
     * The address the user's latest message on this channel went to, or null: what a preference link must still be
     * sent to. (Email addresses hold an '@', phone numbers start with '+': routing checks both before a send.)
     */
    public String latestAddress(String userId, String channel) {
        String shape = channel.equals("sms") ? "+%" : "%@%";
        List<?> found = Unsubscription.getEntityManager()
                .createNativeQuery("SELECT address FROM deliveries WHERE user_id = ?1 AND address LIKE ?2"
                        + " ORDER BY created_at DESC LIMIT 1")
                .setParameter(1, userId)
                .setParameter(2, shape)
                .getResultList();
        return found.isEmpty() ? null : (String) found.getFirst();
    }

    public List<Unsubscription> of(String userId) {
        return Unsubscription.list("userId = ?1 order by journey, channel", userId);
    }

    /** @return whether it changed anything; the same request twice at once is one change, never an error */
    public boolean unsubscribe(String userId, String journey, String channel, Instant now) {
        return Unsubscription.getEntityManager()
                        .createNativeQuery("INSERT INTO preferences (user_id, journey, channel, unsubscribed_at)"
                                + " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
                        .setParameter(1, userId)
                        .setParameter(2, journey == null ? "*" : journey)
                        .setParameter(3, channel)
                        .setParameter(4, now)
                        .executeUpdate()
                > 0;
    }

    /** @return whether it changed anything */
    public boolean resubscribe(String userId, String journey, String channel) {
        return Unsubscription.deleteById(new Unsubscription.Key(userId, journey == null ? "*" : journey, channel));
    }

    /** The journeys that ever messaged this user, for the preference page. */
    public List<String> journeysOf(String userId) {
        return Delivery.journeysOf(userId);
    }

    // ---- suppressed addresses

    /** Why this address is suppressed, or null. */
    public String suppression(String channel, String address) {
        return Suppression.<Suppression>findByIdOptional(new Suppression.Key(channel, key(address)))
                .map(s -> s.reason)
                .orElse(null);
    }

    /** The suppressed ones among these addresses of a channel, by {@link #key}, with why: one query for a batch. */
    public Map<String, String> suppressions(String channel, Collection<String> addresses) {
        Map<String, String> result = new HashMap<>();
        if (addresses.isEmpty()) {
            return result;
        }
        // An erased user's suppressed addresses are kept as digests: look for both.
        Map<String, String> byStored = new HashMap<>();
        for (String address : addresses) {
            String key = key(address);
            byStored.put(key, key);
            byStored.put(Tombstones.digest(key), key);
        }
        for (String[] s : byArray(
                "SELECT address, reason FROM suppressions WHERE address = ANY (?) AND channel = ?",
                byStored.keySet(),
                channel,
                rs -> new String[] {rs.getString(1), rs.getString(2)})) {
            result.put(byStored.get(s[0]), s[1]);
        }
        return result;
    }

    private interface Row<T> {
        T read(java.sql.ResultSet rs) throws java.sql.SQLException;
    }

    /**
     * Rows whose column is one of many values, for a round of deliveries: plain JDBC in the caller's transaction, the
     * values one array parameter. Through Hibernate (a native query mapped to the entity) each call resolved the
     * result set's mapping again from its metadata: a third of the request consumer's CPU at 100 requests/s (ADR
     * 0002). {@code second} is the parameter after the array, if any.
     */
    private static <T> List<T> byArray(String sql, Collection<String> values, String second, Row<T> row) {
        return Unsubscription.getEntityManager()
                .unwrap(org.hibernate.Session.class)
                .doReturningWork(c -> {
                    try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setArray(1, c.createArrayOf("text", values.toArray()));
                        if (second != null) {
                            ps.setString(2, second);
                        }
                        List<T> rows = new java.util.ArrayList<>();
                        try (java.sql.ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                rows.add(row.read(rs));
                            }
                        }
                        return rows;
                    }
                });
    }

    /** How an address is compared: trimmed, lower-case. */
    public static String key(String address) {
        return address.trim().toLowerCase(Locale.ROOT);
    }

    public void suppress(String channel, String address, String reason, Instant now) {
        Suppression.getEntityManager()
                .createNativeQuery("INSERT INTO suppressions (channel, address, reason, at) VALUES (?1, ?2, ?3, ?4)"
                        + " ON CONFLICT DO NOTHING")
                .setParameter(1, channel)
                .setParameter(2, key(address))
                .setParameter(3, reason)
                .setParameter(4, now)
                .executeUpdate();
    }

    public boolean unsuppress(String channel, String address) {
        return Suppression.deleteById(new Suppression.Key(channel, key(address)));
    }
}
