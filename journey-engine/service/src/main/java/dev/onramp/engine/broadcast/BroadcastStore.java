package dev.onramp.engine.broadcast;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.broadcast.BroadcastSpec;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.journey.cel.CelValues;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.run.Broadcasting;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The SQL of broadcasts ({@code V9__broadcasts.sql}): the broadcast's row, its audience snapshot, its recipients and
 * their counts. Every method runs in the caller's transaction.
 */
@ApplicationScoped
public class BroadcastStore {

    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

    /** A recipient's state ({@code broadcast_recipients.status}). */
    public enum Status {
        PENDING,
        DEFERRED,
        SENT,
        SKIPPED,
        EXPIRED,
        CANCELLED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final ObjectMapper json;
    private final JourneyRegistry registry;

    BroadcastStore(ObjectMapper json, JourneyRegistry registry) {
        this.json = json;
        this.registry = registry;
    }

    /** A stored broadcast: the row as written, and where it stands. */
    public record Row(
            String id,
            String name,
            String idempotencyKey,
            String requestHash,
            BroadcastSpec spec,
            String state,
            Instant createdAt,
            Instant startsAt,
            Instant expiresAt,
            Instant finishedAt,
            Instant cancelledAt,
            boolean snapshotDone,
            String incident,
            String part) {}

    /**
     * Stores a new broadcast; a listed audience, or the recipients of an incident's notice, become its recipients at
     * once.
     *
     * @param key the idempotency key, scoped by the caller to its endpoint; null when none
     * @param part for an incident's message: notice, update or resolve; null otherwise
     * @param notice for an update or resolve: the notice whose recipients it goes to
     */
    public void create(
            Connection c,
            String id,
            BroadcastSpec spec,
            String key,
            String hash,
            Instant now,
            String part,
            String notice)
            throws SQLException {
        Instant startsAt = spec.startsAt(now);
        Instant expiresAt = spec.expiresAt(startsAt);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO broadcasts (id, name, idempotency_key, request_hash, spec, state, created_at, starts_at,
                                        expires_at, rate_per_second, incident, part)
                VALUES (?, ?, ?, ?, ?::jsonb, 'sending', ?, ?, ?, ?, ?, ?)""")) {
            ps.setString(1, id);
            ps.setString(2, spec.name());
            ps.setString(3, key);
            ps.setString(4, hash);
            ps.setString(5, write(spec.toJson(json)));
            ps.setObject(6, time(now));
            ps.setObject(7, time(startsAt));
            ps.setObject(8, time(expiresAt));
            ps.setObject(9, spec.rate() > 0 ? spec.rate() : null);
            ps.setString(10, spec.incident());
            ps.setString(11, part);
            ps.executeUpdate();
        }
        boolean listed =
                spec.audience() == BroadcastSpec.Audience.USERS || spec.audience() == BroadcastSpec.Audience.INCIDENT;
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO broadcast_snapshots (broadcast, after, done) VALUES (?, NULL, ?)")) {
            ps.setString(1, id);
            ps.setBoolean(2, listed);
            ps.executeUpdate();
        }
        if (spec.rate() > 0) {
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO broadcast_rates (broadcast, second, sent) VALUES (?, NULL, 0)")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
        }
        if (spec.audience() == BroadcastSpec.Audience.USERS && spec.localStartAt() != null) {
            addRecipients(c, id, spec, candidates(c, spec.users()), spec.users(), startsAt, now);
        } else if (spec.audience() == BroadcastSpec.Audience.USERS) {
            addRecipients(c, id, spec.users(), startsAt, now);
        } else if (spec.audience() == BroadcastSpec.Audience.INCIDENT) {
            // Exactly those the notice reached: not who joined later, was skipped, or unsubscribed from it.
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO broadcast_recipients (broadcast, user_id, status, due_at, updated_at)
                    SELECT ?, user_id, 'pending', ?, ? FROM broadcast_recipients
                    WHERE broadcast = ? AND status = 'sent' AND coalesce(outcome, '') NOT IN ('unsubscribed', 'failed')
                      AND user_id NOT LIKE 'erased:%'""")) {
                ps.setString(1, id);
                ps.setObject(2, time(startsAt));
                ps.setObject(3, time(now));
                ps.setString(4, notice);
                ps.executeUpdate();
            }
        }
    }

    /** Adds recipients, pending from {@code dueAt}; a user already in the audience stays as they are. */
    public int addRecipients(Connection c, String id, Collection<String> users, Instant dueAt, Instant now)
            throws SQLException {
        if (users.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO broadcast_recipients (broadcast, user_id, status, due_at, updated_at)
                SELECT ?, u, 'pending', ?, ? FROM unnest(?::text[]) AS u
                ON CONFLICT (broadcast, user_id) DO NOTHING""")) {
            ps.setString(1, id);
            ps.setObject(2, time(dueAt));
            ps.setObject(3, time(now));
            ps.setArray(4, c.createArrayOf("text", users.toArray()));
            return ps.executeUpdate();
        }
    }

    /**
     * Adds recipients of a local-time schedule, each due at its local time in their own zone (with their own deadline
     * when the broadcast has a maximum lateness); a listed user the engine does not know is due at the start, to be
     * skipped then as unknown.
     *
     * @param known those of {@code users} the engine knows, with their traits
     */
    public int addRecipients(
            Connection c,
            String id,
            BroadcastSpec spec,
            List<Candidate> known,
            Collection<String> users,
            Instant startsAt,
            Instant now)
            throws SQLException {
        Map<String, Candidate> byId = new HashMap<>();
        known.forEach(k -> byId.put(k.userId(), k));
        List<String> ids = new ArrayList<>();
        List<OffsetDateTime> due = new ArrayList<>();
        List<OffsetDateTime> expires = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        Broadcasting zones = new Broadcasting(registry.settings());
        for (String user : users) {
            Candidate candidate = byId.get(user);
            Instant at = startsAt;
            String reason = null;
            if (candidate != null) {
                ZoneId zone = zones.zoneOf(candidate.traits());
                at = spec.dueAt(zone);
                reason = "waiting for " + spec.localStartAt().toLocalTime() + " " + zone.getId();
            }
            ids.add(user);
            due.add(time(at));
            expires.add(spec.maxLateness() == null ? null : time(at.plus(spec.maxLateness())));
            reasons.add(reason);
        }
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO broadcast_recipients (broadcast, user_id, status, due_at, expires_at, reason, updated_at)
                SELECT ?, u, 'pending', d, e, r, ?
                FROM unnest(?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[]) AS t (u, d, e, r)
                ON CONFLICT (broadcast, user_id) DO NOTHING""")) {
            ps.setString(1, id);
            ps.setObject(2, time(now));
            ps.setArray(3, c.createArrayOf("text", ids.toArray()));
            ps.setArray(4, c.createArrayOf("timestamptz", due.toArray()));
            ps.setArray(5, c.createArrayOf("timestamptz", expires.toArray()));
            ps.setArray(6, c.createArrayOf("text", reasons.toArray()));
            return ps.executeUpdate();
        }
    }

    public Optional<Row> find(Connection c, String id) throws SQLException {
        List<Row> rows = select(c, "b.id = ?", id, 1);
        return rows.stream().findFirst();
    }

    public Optional<Row> findByKey(Connection c, String key) throws SQLException {
        return select(c, "b.idempotency_key = ?", key, 1).stream().findFirst();
    }

    /** An incident's broadcasts, oldest first: its notice, updates and resolve. */
    public List<Row> ofIncident(Connection c, String incident) throws SQLException {
        List<Row> rows = new ArrayList<>(select(c, "b.incident = ?", incident, 10_000));
        Collections.reverse(rows);
        return rows;
    }

    /** The latest broadcasts, newest first. */
    public List<Row> latest(Connection c, int limit) throws SQLException {
        return select(c, "true", null, limit);
    }

    private List<Row> select(Connection c, String where, String parameter, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT b.id, b.name, b.idempotency_key, b.request_hash, b.spec, b.state, b.created_at, b.starts_at,
                       b.expires_at, b.finished_at, b.cancelled_at, s.done, b.incident, b.part
                FROM broadcasts b JOIN broadcast_snapshots s ON s.broadcast = b.id
                WHERE %s ORDER BY b.created_at DESC, b.id LIMIT ?""".formatted(where))) {
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
                            rs.getString(4),
                            BroadcastSpec.fromJson(json.readTree(rs.getString(5))),
                            rs.getString(6),
                            instant(rs.getTimestamp(7)),
                            instant(rs.getTimestamp(8)),
                            instant(rs.getTimestamp(9)),
                            instant(rs.getTimestamp(10)),
                            instant(rs.getTimestamp(11)),
                            rs.getBoolean(12),
                            rs.getString(13),
                            rs.getString(14)));
                }
            } catch (JsonProcessingException e) {
                throw new SQLException("a stored broadcast spec is not JSON", e);
            }
            return rows;
        }
    }

    /** How many recipients are in each state, and why those skipped, deferred or expired are. */
    public record Counts(
            Map<String, Long> byStatus,
            Map<String, Long> sentBy,
            Map<String, Map<String, Long>> reasons,
            Map<String, Long> outcomes) {
        public long audience() {
            return byStatus.values().stream().mapToLong(Long::longValue).sum();
        }

        public long of(Status status) {
            return byStatus.getOrDefault(status.wireName(), 0L);
        }
    }

    /** The counts of a broadcast: as its recipients stand, or as they were when they were purged. */
    public Counts counts(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT final_counts FROM broadcasts WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(1) != null) {
                    return json.readValue(rs.getString(1), Counts.class);
                }
            }
        } catch (JsonProcessingException e) {
            throw new SQLException("stored broadcast counts are not JSON", e);
        }
        return countRecipients(c, id);
    }

    /**
     * Takes one broadcast whose recipients are due for deletion, its row locked: it ended before {@code endedBefore}
     * and, for an incident's message, its incident was resolved before then too (an open incident's updates go to
     * its notice's recipients).
     */
    public Optional<String> claimPurge(Connection c, Instant endedBefore) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT b.id FROM broadcasts b
                WHERE b.recipients_purged_at IS NULL AND b.state IN ('sent', 'cancelled') AND b.finished_at < ?
                  AND (b.incident IS NULL OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = b.incident
                                                     AND i.resolved_at IS NOT NULL AND i.resolved_at < ?))
                ORDER BY b.finished_at LIMIT 1 FOR UPDATE OF b SKIP LOCKED""")) {
            ps.setObject(1, time(endedBefore));
            ps.setObject(2, time(endedBefore));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /**
     * Keeps the broadcast's counts on its row (once), then deletes up to {@code limit} of its recipients; when none is
     * left it is marked purged.
     *
     * @return how many recipients were deleted
     */
    public int purgeRecipients(Connection c, String id, int limit, Instant now) throws SQLException {
        // Counted once, before the first batch goes: later batches find the counts kept.
        boolean kept;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT final_counts IS NOT NULL FROM broadcasts WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                kept = rs.next() && rs.getBoolean(1);
            }
        }
        if (!kept) {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE broadcasts SET final_counts = ?::jsonb WHERE id = ?")) {
                ps.setString(1, write(countRecipients(c, id)));
                ps.setString(2, id);
                ps.executeUpdate();
            }
        }
        int deleted;
        try (PreparedStatement ps = c.prepareStatement("""
                DELETE FROM broadcast_recipients WHERE broadcast = ? AND user_id = ANY(ARRAY(
                    SELECT user_id FROM broadcast_recipients WHERE broadcast = ? LIMIT ?))""")) {
            ps.setString(1, id);
            ps.setString(2, id);
            ps.setInt(3, limit);
            deleted = ps.executeUpdate();
        }
        if (deleted < limit) {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE broadcasts SET recipients_purged_at = ? WHERE id = ?")) {
                ps.setObject(1, time(now));
                ps.setString(2, id);
                ps.executeUpdate();
            }
        }
        return deleted;
    }

    private Counts countRecipients(Connection c, String id) throws SQLException {
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (Status s : Status.values()) {
            byStatus.put(s.wireName(), 0L);
        }
        Map<String, Long> sentBy = new LinkedHashMap<>();
        Map<String, Map<String, Long>> reasons = new LinkedHashMap<>();
        Map<String, Long> outcomes = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT status, channel, CASE WHEN status IN ('pending', 'skipped', 'deferred', 'expired') THEN reason END, count(*),
                       outcome
                FROM broadcast_recipients WHERE broadcast = ? GROUP BY 1, 2, 3, 5 ORDER BY 4 DESC""")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String status = rs.getString(1);
                    long n = rs.getLong(4);
                    byStatus.merge(status, n, Long::sum);
                    if (status.equals(Status.SENT.wireName()) && rs.getString(2) != null) {
                        sentBy.merge(rs.getString(2), n, Long::sum);
                    }
                    if (rs.getString(5) != null) {
                        outcomes.merge(rs.getString(5), n, Long::sum);
                    }
                    if (rs.getString(3) != null) {
                        reasons.computeIfAbsent(status, k -> new LinkedHashMap<>())
                                .merge(rs.getString(3), n, Long::sum);
                    }
                }
            }
        }
        return new Counts(byStatus, sentBy, reasons, outcomes);
    }

    /**
     * Locks the broadcast's row FOR UPDATE and cancels it: every recipient not yet handed to dispatch is counted as
     * cancelled. Answers false when it had already ended (sent or cancelled).
     */
    public boolean cancel(Connection c, String id, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM broadcasts WHERE id = ? FOR UPDATE")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getString(1).equals("sending")) {
                    return false;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE broadcasts SET state = 'cancelled', cancelled_at = ?, finished_at = ? WHERE id = ?")) {
            ps.setObject(1, time(now));
            ps.setObject(2, time(now));
            ps.setString(3, id);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE broadcast_recipients SET status = 'cancelled', due_at = NULL, reason = 'the broadcast was cancelled',
                       updated_at = ?
                WHERE broadcast = ? AND status IN ('pending', 'deferred')""")) {
            ps.setObject(1, time(now));
            ps.setString(2, id);
            ps.executeUpdate();
        }
        return true;
    }

    /** Broadcasts that are sending and have started, oldest first. */
    public List<String> started(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM broadcasts WHERE state = 'sending' AND starts_at <= ? ORDER BY starts_at, id")) {
            ps.setObject(1, time(now));
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return ids;
        }
    }

    /** What the fan-out needs of a broadcast it works on. */
    public record Sending(String id, BroadcastSpec spec, Instant startsAt, Instant expiresAt, Integer rate) {}

    /**
     * Holds the broadcast's row FOR SHARE until the transaction ends, so that a cancel waits for this transaction and
     * this transaction sees a cancel that committed first; empty when the broadcast is no longer sending.
     */
    public Optional<Sending> holdSending(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT spec, starts_at, expires_at, rate_per_second, state FROM broadcasts WHERE id = ? FOR SHARE""")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getString(5).equals("sending")) {
                    return Optional.empty();
                }
                return Optional.of(new Sending(
                        id,
                        BroadcastSpec.fromJson(json.readTree(rs.getString(1))),
                        instant(rs.getTimestamp(2)),
                        instant(rs.getTimestamp(3)),
                        (Integer) rs.getObject(4)));
            } catch (JsonProcessingException e) {
                throw new SQLException("a stored broadcast spec is not JSON", e);
            }
        }
    }

    /**
     * How many more messages the rate limit lets through in the current second, with the counter's row locked (every
     * instance shares it); {@link #spend} records what was used.
     */
    public int allowance(Connection c, String id, int rate, Instant now) throws SQLException {
        Instant second = now.truncatedTo(ChronoUnit.SECONDS);
        try (PreparedStatement ps =
                c.prepareStatement("SELECT second, sent FROM broadcast_rates WHERE broadcast = ? FOR UPDATE")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return rate;
                }
                Instant at = instant(rs.getTimestamp(1));
                return second.equals(at) ? Math.max(0, rate - rs.getInt(2)) : rate;
            }
        }
    }

    public void spend(Connection c, String id, int sent, Instant now) throws SQLException {
        Instant second = now.truncatedTo(ChronoUnit.SECONDS);
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE broadcast_rates SET sent = CASE WHEN second = ? THEN sent + ? ELSE ? END, second = ?
                WHERE broadcast = ?""")) {
            ps.setObject(1, time(second));
            ps.setInt(2, sent);
            ps.setInt(3, sent);
            ps.setObject(4, time(second));
            ps.setString(5, id);
            ps.executeUpdate();
        }
    }

    /** A recipient claimed to be handled, and after when they may no longer be sent (null for no such limit). */
    public record Due(String userId, Instant expiresAt) {}

    /** Claims up to {@code limit} of the broadcast's recipients that are due, skipping those another round holds. */
    public List<Due> claimDue(Connection c, String id, Instant now, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT user_id, expires_at FROM broadcast_recipients WHERE broadcast = ? AND due_at <= ?
                ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED""")) {
            ps.setString(1, id);
            ps.setObject(2, time(now));
            ps.setInt(3, limit);
            List<Due> users = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    users.add(new Due(rs.getString(1), instant(rs.getTimestamp(2))));
                }
            }
            return users;
        }
    }

    /** Those of these users who have a profile. */
    public Set<String> known(Connection c, Collection<String> users) throws SQLException {
        Set<String> known = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT user_id FROM profiles WHERE user_id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("text", users.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(rs.getString(1));
                }
            }
        }
        return known;
    }

    /** What became of one recipient in a round. */
    public record Change(
            String userId, Status status, Instant dueAt, String channel, String messageId, String reason) {}

    public void record(Connection c, String id, List<Change> changes, Instant now) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE broadcast_recipients SET status = ?, due_at = ?, channel = ?, message_id = ?, reason = ?,
                       updated_at = ?
                WHERE broadcast = ? AND user_id = ?""")) {
            for (Change change : changes) {
                ps.setString(1, change.status().wireName());
                ps.setObject(2, time(change.dueAt()));
                ps.setString(3, change.channel());
                ps.setString(4, change.messageId());
                ps.setString(5, change.reason());
                ps.setObject(6, time(now));
                ps.setString(7, id);
                ps.setString(8, change.userId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** An audience scan to continue: the broadcast and the last user id looked at (null at the start). */
    public record Scan(String id, String after) {}

    /** Takes one unfinished audience scan of a started broadcast, its row locked; empty when there is none free. */
    public Optional<Scan> claimScan(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT s.broadcast, s.after FROM broadcast_snapshots s JOIN broadcasts b ON b.id = s.broadcast
                WHERE NOT s.done AND b.state = 'sending' AND b.starts_at <= ?
                ORDER BY b.starts_at LIMIT 1 FOR UPDATE OF s SKIP LOCKED""")) {
            ps.setObject(1, time(now));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Scan(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /** A known user's traits, as the scan reads them. */
    public record Candidate(String userId, Map<String, Object> traits) {

        /** Whether the audience's condition holds for them; one that cannot be evaluated for them leaves them out. */
        public boolean matches(Condition where, Instant now) {
            if (where.isAlways()) {
                return true;
            }
            Map<String, Object> user = Map.of("id", userId, "traits", CelValues.map(traits));
            return where.program().evaluate(user, Map.of(), now).value();
        }
    }

    /** Those an update or the resolve of the incident whose notice this is would go to, now. */
    public long followUpAudience(Connection c, String notice) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT count(*) FROM broadcast_recipients
                WHERE broadcast = ? AND status = 'sent' AND coalesce(outcome, '') NOT IN ('unsubscribed', 'failed')
                  AND user_id NOT LIKE 'erased:%'""")) {
            ps.setString(1, notice);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** A known user, with their traits. */
    public Optional<Candidate> candidate(Connection c, String user) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT user_id, traits FROM profiles WHERE user_id = ?")) {
            ps.setString(1, user);
            return candidatesOf(ps).stream().findFirst();
        }
    }

    /** Those of these users the engine knows, with their traits. */
    public List<Candidate> candidates(Connection c, Collection<String> users) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT user_id, traits FROM profiles WHERE user_id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("text", users.toArray()));
            return candidatesOf(ps);
        }
    }

    /** One of them, to preview the message with: the first by user id; empty when there is nobody. */
    public Optional<Candidate> firstFollowUpRecipient(Connection c, String notice) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT p.user_id, p.traits FROM broadcast_recipients r JOIN profiles p USING (user_id)
                WHERE r.broadcast = ? AND r.status = 'sent' AND coalesce(r.outcome, '') NOT IN ('unsubscribed', 'failed')
                ORDER BY r.user_id LIMIT 1""")) {
            ps.setString(1, notice);
            List<Candidate> found = candidatesOf(ps);
            return found.stream().findFirst();
        }
    }

    /**
     * The next users after {@code after} in user-id order whom the engine knew at {@code startsAt}: known (not only an
     * anonymous visitor), not joined to another user.
     */
    public List<Candidate> candidates(Connection c, String after, Instant startsAt, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT user_id, traits FROM profiles
                WHERE user_id > ? AND NOT anonymous AND merged_into IS NULL AND created_at <= ?
                ORDER BY user_id LIMIT ?""")) {
            ps.setString(1, after == null ? "" : after);
            ps.setObject(2, time(startsAt));
            ps.setInt(3, limit);
            return candidatesOf(ps);
        }
    }

    private List<Candidate> candidatesOf(PreparedStatement ps) throws SQLException {
        List<Candidate> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Candidate(rs.getString(1), json.readValue(rs.getString(2), OBJECT)));
            }
        } catch (JsonProcessingException e) {
            throw new SQLException("stored traits are not JSON", e);
        }
        return out;
    }

    public void advanceScan(Connection c, String id, String after, int scanned, boolean done) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE broadcast_snapshots SET after = ?, done = ?, scanned = scanned + ? WHERE broadcast = ?")) {
            ps.setString(1, after);
            ps.setBoolean(2, done);
            ps.setInt(3, scanned);
            ps.setString(4, id);
            ps.executeUpdate();
        }
    }

    /** Marks as sent the broadcasts whose audience is complete and who have no recipient left to handle. */
    public int finish(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE broadcasts b SET state = 'sent', finished_at = ?
                FROM broadcast_snapshots s
                WHERE s.broadcast = b.id AND s.done AND b.state = 'sending' AND b.starts_at <= ?
                  AND NOT EXISTS (SELECT 1 FROM broadcast_recipients r
                                  WHERE r.broadcast = b.id AND r.due_at IS NOT NULL)""")) {
            ps.setObject(1, time(now));
            ps.setObject(2, time(now));
            return ps.executeUpdate();
        }
    }

    /** Marks as expired every recipient of the broadcast still waiting: its maximum lateness has passed. */
    public int expire(Connection c, String id, Instant expiresAt, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE broadcast_recipients SET status = 'expired', due_at = NULL, updated_at = ?,
                       reason = 'not reached by ' || ? || ' (the broadcast''s maximum lateness)'
                WHERE broadcast = ? AND due_at IS NOT NULL""")) {
            ps.setObject(1, time(now));
            ps.setString(2, expiresAt.toString());
            ps.setString(3, id);
            return ps.executeUpdate();
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
