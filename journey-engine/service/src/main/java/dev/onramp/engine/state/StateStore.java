package dev.onramp.engine.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.journey.run.Decision;
import dev.onramp.journey.run.Enrollment;
import dev.onramp.journey.run.Merge;
import dev.onramp.journey.run.Profile;
import dev.onramp.journey.run.UserState;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Users' state in PostgreSQL: profiles, enrollments (with their timers), the decision log and the outbox. Every
 * method works inside the caller's transaction; statements are batched so one transaction handles a whole poll.
 */
@ApplicationScoped
public class StateStore {

    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {};
    private static final TypeReference<List<Map<String, Object>>> LIST = new TypeReference<>() {};

    private final ObjectMapper json;

    StateStore(ObjectMapper json) {
        this.json = json;
    }

    /** The state of each user, with their profile rows locked until the transaction ends. */
    public Loaded lockAndLoad(Connection c, Collection<String> userIds) throws SQLException {
        return lockAndLoad(c, userIds, List.of(), null);
    }

    /**
     * The state of each user, with their profile rows locked until the transaction ends.
     *
     * @param anonymous ids among them to create first, as anonymous profiles, when they have no row: the lock then holds
     *     them too, so that a call sent under an anonymousId and the identify call that joins that id to a user, applied
     *     on two partitions at once, are applied one after the other and neither is lost
     */
    public Loaded lockAndLoad(Connection c, Collection<String> userIds, Collection<String> anonymous, Instant now)
            throws SQLException {
        if (!anonymous.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO profiles (user_id, anonymous, updated_at)
                    SELECT id, true, ? FROM unnest(?::text[]) AS id ORDER BY id
                    ON CONFLICT (user_id) DO NOTHING""")) {
                ps.setObject(1, time(now));
                ps.setArray(2, c.createArrayOf("text", new TreeSet<>(anonymous).toArray()));
                ps.executeUpdate();
            }
        }
        List<String> ids = new ArrayList<>(new TreeSet<>(userIds));
        Map<String, Profile> profiles = new HashMap<>();
        Map<String, Row> rows = new HashMap<>();
        Map<String, List<Enrollment>> enrollments = new HashMap<>();
        Array array = c.createArrayOf("text", ids.toArray());
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT user_id, traits, blocked, recent, anonymous, merged_into FROM profiles WHERE user_id = ANY(?)
                ORDER BY user_id FOR UPDATE""")) {
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ProfileEntity row = new ProfileEntity();
                    row.userId = rs.getString(1);
                    row.traits = read(rs.getString(2), OBJECT);
                    row.blocked = read(rs.getString(3), STRINGS);
                    row.recent = read(rs.getString(4), LIST);
                    profiles.put(row.userId, row.toProfile());
                    rows.put(row.userId, new Row(rs.getBoolean(5), rs.getString(6)));
                }
            }
        }
        if (!profiles.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT user_id, journey, cycle, status, enrolled_at, holdout, trigger_properties, done, current_step,
                           current_since, next_message, last_message_at, due_at, ended_at, converted_at, sent
                    FROM enrollments WHERE user_id = ANY(?) ORDER BY user_id, journey, cycle""")) {
                ps.setArray(1, c.createArrayOf("text", profiles.keySet().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Enrollment e = enrollment(rs);
                        enrollments
                                .computeIfAbsent(e.userId(), k -> new ArrayList<>())
                                .add(e);
                    }
                }
            }
        }
        Map<String, UserState> states = new LinkedHashMap<>();
        for (String id : ids) {
            Profile profile = profiles.get(id);
            states.put(
                    id,
                    profile == null
                            ? UserState.empty(id)
                            : new UserState(profile, enrollments.getOrDefault(id, List.of())));
        }
        return new Loaded(states, rows);
    }

    /**
     * What a profile row says of the id beside its state.
     *
     * @param anonymous seen only under an SDK's anonymousId so far
     * @param mergedInto the user it was joined to, whose state is its own now; null when it was not
     */
    public record Row(boolean anonymous, String mergedInto) {
        /** A user's own profile: named by a userId, joined to no one. */
        public static final Row KNOWN = new Row(false, null);
    }

    /** Users' states as loaded, and the rows of those that have one. */
    public record Loaded(Map<String, UserState> states, Map<String, Row> rows) {
        /** No users: for a transaction that only writes records. */
        public static Loaded none() {
            return new Loaded(Map.of(), Map.of());
        }

        /** Which users already have rows. */
        public java.util.Set<String> stored() {
            return rows.keySet();
        }

        /** These users and those of {@code more}. */
        public Loaded plus(Loaded more) {
            Map<String, UserState> allStates = new LinkedHashMap<>(states);
            allStates.putAll(more.states);
            Map<String, Row> allRows = new HashMap<>(rows);
            allRows.putAll(more.rows);
            return new Loaded(allStates, allRows);
        }
    }

    /**
     * Locks up to {@code limit} users with a due timer, skipping any another transaction holds: with the limit and
     * SKIP LOCKED at the same level, concurrent pollers (threads or instances) each get different users.
     */
    public List<String> claimDue(Connection c, Instant now, int limit) throws SQLException {
        java.util.LinkedHashSet<String> users = new java.util.LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT p.user_id FROM enrollments e JOIN profiles p ON p.user_id = e.user_id
                WHERE e.due_at <= ? ORDER BY e.due_at LIMIT ? FOR UPDATE OF p SKIP LOCKED""")) {
            ps.setObject(1, time(now));
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    users.add(rs.getString(1));
                }
            }
        }
        return new ArrayList<>(users);
    }

    /** Locks those of these users that no other transaction holds. */
    public List<String> claim(Connection c, Collection<String> userIds) throws SQLException {
        List<String> users = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT user_id FROM profiles WHERE user_id = ANY(?) ORDER BY user_id FOR UPDATE SKIP LOCKED")) {
            ps.setArray(1, c.createArrayOf("text", userIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    users.add(rs.getString(1));
                }
            }
        }
        return users;
    }

    /**
     * Stops a user's due timers and returns the {@code parked} decisions that say so. Reads no state but the
     * enrollments' keys, so it works for a user whose state cannot be read.
     */
    public List<Decision> parkDue(Connection c, String userId, Instant now, String reason) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT 1 FROM profiles WHERE user_id = ? FOR UPDATE")) {
            lock.setString(1, userId);
            lock.executeQuery().close();
        }
        List<Decision> decisions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE enrollments SET due_at = NULL WHERE user_id = ? AND due_at <= ?
                RETURNING journey, cycle, current_step""")) {
            ps.setString(1, userId);
            ps.setObject(2, time(now));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    decisions.add(new Decision(
                            now,
                            userId,
                            rs.getString(1),
                            rs.getInt(2),
                            rs.getString(3),
                            Decision.Kind.PARKED,
                            reason,
                            null));
                }
            }
        }
        return decisions;
    }

    /** When the earliest timer is due, if any. */
    public Optional<Instant> nextDue(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT min(due_at) FROM enrollments WHERE due_at IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return Optional.ofNullable(instant(rs, 1));
        }
    }

    /**
     * Writes what changed between {@code before} and {@code after}.
     *
     * @param rows the rows whose identity changed (made known, joined to a user): written whatever else changed
     * @param rewritten users whose enrollments are written anew, all of them: those a join moved or numbered again
     * @return how the journeys' figures change with what was written: the caller applies it last
     */
    public JourneyCounts.Delta save(
            Connection c,
            Loaded before,
            Map<String, UserState> after,
            Map<String, Row> rows,
            Collection<String> rewritten,
            Instant now)
            throws SQLException {
        JourneyCounts.Delta counts = new JourneyCounts.Delta();
        if (!rewritten.isEmpty()) {
            for (String id : rewritten) {
                UserState old = before.states().get(id);
                if (old != null) {
                    old.enrollments().forEach(counts::remove);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM enrollments WHERE user_id = ANY(?)")) {
                ps.setArray(1, c.createArrayOf("text", new TreeSet<>(rewritten).toArray()));
                ps.executeUpdate();
            }
        }
        try (PreparedStatement profiles = c.prepareStatement("""
                        INSERT INTO profiles (user_id, traits, blocked, recent, updated_at, anonymous, merged_into)
                        VALUES (?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?)
                        ON CONFLICT (user_id) DO UPDATE SET traits = EXCLUDED.traits, blocked = EXCLUDED.blocked,
                            recent = EXCLUDED.recent, updated_at = EXCLUDED.updated_at, anonymous = EXCLUDED.anonymous,
                            merged_into = EXCLUDED.merged_into""");
                PreparedStatement enrollments = c.prepareStatement("""
                        INSERT INTO enrollments (user_id, journey, cycle, status, enrolled_at, holdout, trigger_properties, done,
                            current_step, current_since, next_message, last_message_at, due_at, ended_at, converted_at, sent)
                        VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
                        ON CONFLICT (user_id, journey, cycle) DO UPDATE SET status = EXCLUDED.status, done = EXCLUDED.done,
                            current_step = EXCLUDED.current_step, current_since = EXCLUDED.current_since,
                            next_message = EXCLUDED.next_message, last_message_at = EXCLUDED.last_message_at,
                            due_at = EXCLUDED.due_at, ended_at = EXCLUDED.ended_at, converted_at = EXCLUDED.converted_at,
                            sent = EXCLUDED.sent""")) {
            int profileRows = 0;
            int enrollmentRows = 0;
            for (var entry : after.entrySet()) {
                String id = entry.getKey();
                UserState old = before.states().get(id);
                UserState now_ = entry.getValue();
                boolean stored = before.stored().contains(id);
                Row changedRow = rows.get(id);
                boolean worthKeeping = !now_.enrollments().isEmpty()
                        || !now_.profile().traits().isEmpty()
                        || !now_.profile().blocked().isEmpty();
                if (changedRow != null
                        || (!stored && worthKeeping)
                        || (stored && !now_.profile().equals(old.profile()))) {
                    Row row = changedRow != null ? changedRow : before.rows().getOrDefault(id, Row.KNOWN);
                    Profile p = now_.profile();
                    profiles.setString(1, p.userId());
                    profiles.setString(2, write(p.traits()));
                    profiles.setString(3, write(p.blocked()));
                    profiles.setString(4, write(ProfileEntity.recent(p)));
                    profiles.setObject(5, time(now));
                    profiles.setBoolean(6, row.anonymous());
                    profiles.setString(7, row.mergedInto());
                    profiles.addBatch();
                    profileRows++;
                }
                boolean all = rewritten.contains(id);
                for (Enrollment e : now_.enrollments()) {
                    if (!all && old != null && old.enrollments().contains(e)) {
                        continue;
                    }
                    if (!all && old != null) {
                        old.enrollments().stream()
                                .filter(o -> o.journeyId().equals(e.journeyId()) && o.cycle() == e.cycle())
                                .findFirst()
                                .ifPresent(counts::remove);
                    }
                    counts.add(e);
                    bind(enrollments, e);
                    enrollments.addBatch();
                    enrollmentRows++;
                }
            }
            // Profiles first: the enrollment rows of a new user need theirs for the timer's lock.
            if (profileRows > 0) {
                profiles.executeBatch();
            }
            if (enrollmentRows > 0) {
                enrollments.executeBatch();
            }
        }
        return counts;
    }

    /**
     * Moves the journey log of a joined anonymous profile to the user, each entry of a renumbered enrollment to its
     * new cycle. The log's entries written in the same transaction are relabelled by the caller
     * ({@link Merge#relabel}) and appended after this.
     */
    public void relabel(Connection c, Merge merge) throws SQLException {
        if (!merge.renumbered().isEmpty()) {
            List<Merge.Renumbered> moves = merge.renumbered();
            // One statement: every entry is matched against the log as it was, so 1→2 and 2→3 never chain.
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE decisions d SET user_id = ?, cycle = m.to_cycle
                    FROM unnest(?::text[], ?::text[], ?::int[], ?::int[]) AS m(from_user, journey, from_cycle, to_cycle)
                    WHERE d.user_id = m.from_user AND d.journey = m.journey AND d.cycle = m.from_cycle""")) {
                ps.setString(1, merge.into());
                List<java.util.function.Function<Merge.Renumbered, Object>> columns = List.of(
                        Merge.Renumbered::userId,
                        Merge.Renumbered::journey,
                        Merge.Renumbered::from,
                        Merge.Renumbered::to);
                String[] types = {"text", "text", "integer", "integer"};
                for (int i = 0; i < columns.size(); i++) {
                    ps.setArray(
                            i + 2,
                            c.createArrayOf(
                                    types[i], moves.stream().map(columns.get(i)).toArray()));
                }
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE decisions SET user_id = ? WHERE user_id = ?")) {
            ps.setString(1, merge.into());
            ps.setString(2, merge.from());
            ps.executeUpdate();
        }
    }

    public void appendDecisions(Connection c, List<Decision> decisions) throws SQLException {
        if (decisions.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO decisions (at, user_id, journey, cycle, step, kind, detail, message_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            for (Decision d : decisions) {
                ps.setObject(1, time(d.at()));
                ps.setString(2, d.userId());
                ps.setString(3, d.journey());
                ps.setInt(4, d.cycle());
                ps.setString(5, d.step());
                ps.setString(6, d.kind().wireName());
                ps.setString(7, d.detail());
                ps.setString(8, d.messageId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** One record for the outbox, with its Kafka headers. */
    /** A delivery report of a broadcast's message ({@code broadcast} in the delivery event). */
    public record BroadcastReport(String broadcast, String userId, String status) {}

    /**
     * Moves each reported recipient's outcome forward ({@link Enrollment.SentMessage#rank}): a late "delivered" never
     * undoes a "read". A report of a recipient who is not (or no longer, after an erasure) there changes nothing.
     */
    public void recordBroadcastReports(Connection c, List<BroadcastReport> reports, Instant now) throws SQLException {
        if (reports.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE broadcast_recipients SET outcome = ?, outcome_rank = ?, updated_at = ?
                WHERE broadcast = ? AND user_id = ? AND outcome_rank <= ?""")) {
            for (BroadcastReport report : reports) {
                int rank = Enrollment.SentMessage.rank(report.status());
                if (rank == 0) {
                    continue;
                }
                ps.setString(1, report.status());
                ps.setInt(2, rank);
                ps.setObject(3, time(now));
                ps.setString(4, report.broadcast());
                ps.setString(5, report.userId());
                ps.setInt(6, rank);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    public record OutboxRecord(String topic, String key, byte[] payload, Map<String, String> headers) {}

    public void enqueue(Connection c, List<OutboxRecord> records, Instant now) throws SQLException {
        if (records.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO outbox (topic, record_key, payload, headers, created_at) VALUES (?, ?, ?, ?::jsonb, ?)")) {
            for (OutboxRecord r : records) {
                ps.setString(1, r.topic());
                ps.setString(2, r.key());
                ps.setBytes(3, r.payload());
                ps.setString(4, write(r.headers()));
                ps.setObject(5, time(now));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void bind(PreparedStatement ps, Enrollment e) throws SQLException {
        ps.setString(1, e.userId());
        ps.setString(2, e.journeyId());
        ps.setInt(3, e.cycle());
        ps.setString(4, e.status().wireName());
        ps.setObject(5, time(e.enrolledAt()));
        ps.setBoolean(6, e.holdout());
        ps.setString(7, write(e.triggerProperties()));
        ps.setString(8, write(EnrollmentEntity.done(e)));
        ps.setString(9, e.currentStep());
        setTime(ps, 10, e.currentSince());
        ps.setInt(11, e.nextMessage());
        setTime(ps, 12, e.lastMessageAt());
        setTime(ps, 13, e.active() ? e.dueAt() : null);
        setTime(ps, 14, e.endedAt());
        setTime(ps, 15, e.convertedAt());
        ps.setString(16, write(EnrollmentEntity.sent(e)));
    }

    /** The row as read natively: the entity's own mapping then makes the domain value. */
    private Enrollment enrollment(ResultSet rs) throws SQLException {
        EnrollmentEntity row = new EnrollmentEntity();
        row.userId = rs.getString(1);
        row.journey = rs.getString(2);
        row.cycle = rs.getInt(3);
        row.status = rs.getString(4);
        row.enrolledAt = instant(rs, 5);
        row.holdout = rs.getBoolean(6);
        row.triggerProperties = read(rs.getString(7), OBJECT);
        row.done = read(rs.getString(8), STRINGS);
        row.currentStep = rs.getString(9);
        row.currentSince = instant(rs, 10);
        row.nextMessage = rs.getInt(11);
        row.lastMessageAt = instant(rs, 12);
        row.dueAt = instant(rs, 13);
        row.endedAt = instant(rs, 14);
        row.convertedAt = instant(rs, 15);
        row.sent = read(rs.getString(16), LIST);
        return row.toEnrollment();
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON in the engine's tables", e);
        }
    }

    public String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static OffsetDateTime time(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static void setTime(PreparedStatement ps, int index, Instant instant) throws SQLException {
        if (instant == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, time(instant));
        }
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
