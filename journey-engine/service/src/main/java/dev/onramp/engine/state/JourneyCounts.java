package dev.onramp.engine.state;

import dev.onramp.journey.model.MessageKind;
import dev.onramp.journey.run.Enrollment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * Each journey's figures, kept up to date as the engine applies events, so that a page or a scrape reads a few
 * hundred rows instead of counting millions of enrollments. The figures of an enrollment are a function of its state
 * ({@link #contributions}); a transaction adds those of each enrollment as it wrote it and takes away those of the same
 * enrollment as it was, so the table always says what the enrollments say, whatever path changed them (an event, a
 * timer, a delivery report, a join that moved or renumbered enrollments). Erasure and the retention purge delete
 * enrollments but not their counts: figures are not personal data, and a journey's history outlives its users' rows.
 *
 * <p>Rows are keyed by the <em>cohort day</em> (the UTC day the users entered) so that a period's funnel is that of the
 * users who entered in it, and by one of {@value #SHARDS} shards picked per transaction, so that transactions running
 * at once rarely wait on the same row. {@code rebuild_journey_counts()} (migration V7) computes the same figures over the
 * enrollments in SQL; a test holds the two equal.
 */
public final class JourneyCounts {

    /** How many rows each figure is spread over: readers add them up. */
    public static final int SHARDS = 8;

    /** Upper bounds, in seconds, of the buckets of time from entering a journey to doing a step. */
    public static final long[] WITHIN = {
        60,
        300,
        900,
        3_600,
        3 * 3_600,
        6 * 3_600,
        12 * 3_600,
        86_400,
        2 * 86_400,
        3 * 86_400,
        7 * 86_400,
        14 * 86_400,
        30 * 86_400
    };

    /** The label of the last, open bucket. */
    public static final String LATER = "later";

    /** Statuses that mean the message reached the user (delivery reports say only the latest). */
    static final Set<String> DELIVERED = Set.of("delivered", "read", "clicked", "dismissed", "unsubscribed");

    /** Statuses that mean the user saw it. */
    static final Set<String> READ = Set.of("read", "clicked", "dismissed");

    /** Statuses counted per channel under their own name, besides sent, delivered and read. */
    static final Set<String> OUTCOMES = Set.of("failed", "suppressed", "unsubscribed", "clicked");

    private JourneyCounts() {}

    /** One figure of one journey for the users of one group who entered on one day. */
    public record Key(String journey, LocalDate day, boolean holdout, String figure, String label) {}

    private static final Comparator<Key> ORDER = Comparator.comparing(Key::journey)
            .thenComparing(Key::day)
            .thenComparing(Key::holdout)
            .thenComparing(Key::figure)
            .thenComparing(Key::label);

    /**
     * Calls {@code figure} with each (figure, label) this enrollment counts once in:
     *
     * <ul>
     *   <li>{@code entered}, and {@code completed}, {@code exited}, {@code converted} by its status;
     *   <li>per step: {@code reached} (it became the next step, or got a message, or was done), {@code nudged},
     *       {@code reminded}, {@code read}, {@code clicked} (any of the step's messages), {@code done}, and
     *       {@code done_within} labelled {@code <step>|<bucket>}: how long after entering;
     *   <li>per message (not held out): {@code message} labelled {@code <channel>|sent}, {@code |delivered} and
     *       {@code |failed}, {@code |suppressed}, {@code |unsubscribed}, {@code |read}, {@code |clicked}.
     * </ul>
     */
    public static void contributions(Enrollment e, BiConsumer<String, String> figure) {
        figure.accept("entered", "");
        switch (e.status()) {
            case COMPLETED -> figure.accept("completed", "");
            case EXITED -> figure.accept("exited", "");
            case ACTIVE -> {}
        }
        if (e.convertedAt() != null) {
            figure.accept("converted", "");
        }
        Set<String> reached = new TreeSet<>();
        if (e.currentStep() != null) {
            reached.add(e.currentStep());
        }
        Set<String> perStep = new TreeSet<>();
        for (Enrollment.SentMessage m : e.sent()) {
            reached.add(m.step());
            perStep.add((m.kind() == MessageKind.REMINDER ? "reminded" : "nudged") + "\0" + m.step());
            String status = m.status() == null ? "sent" : m.status();
            if (READ.contains(status)) {
                perStep.add("read\0" + m.step());
            }
            if ("clicked".equals(status)) {
                perStep.add("clicked\0" + m.step());
            }
            if (!"held_out".equals(status)) {
                String channel = m.channel().wireName();
                figure.accept("message", channel + "|sent");
                if (DELIVERED.contains(status)) {
                    figure.accept("message", channel + "|delivered");
                }
                if (READ.contains(status)) {
                    figure.accept("message", channel + "|read");
                }
                if (OUTCOMES.contains(status)) {
                    figure.accept("message", channel + "|" + status);
                }
            }
        }
        e.done().forEach((step, at) -> {
            reached.add(step);
            figure.accept("done", step);
            figure.accept("done_within", step + "|" + bucket(Duration.between(e.enrolledAt(), at)));
        });
        for (String step : reached) {
            figure.accept("reached", step);
        }
        for (String entry : perStep) {
            int cut = entry.indexOf('\0');
            figure.accept(entry.substring(0, cut), entry.substring(cut + 1));
        }
    }

    /** The bucket a time to a step falls in: the first upper bound it does not exceed, in seconds, or {@value #LATER}. */
    public static String bucket(Duration d) {
        long seconds = Math.max(0, d.getSeconds());
        for (long bound : WITHIN) {
            if (seconds <= bound) {
                return Long.toString(bound);
            }
        }
        return LATER;
    }

    /** The UTC day the enrollment began: its cohort. */
    public static LocalDate cohort(Instant enrolledAt) {
        return LocalDate.ofInstant(enrolledAt, ZoneOffset.UTC);
    }

    /** Changes to the counts made by one transaction, applied with its other writes. */
    public static final class Delta {
        private final Map<Key, Long> changes = new TreeMap<>(ORDER);

        public void add(Enrollment e) {
            change(e, 1);
        }

        public void remove(Enrollment e) {
            change(e, -1);
        }

        private void change(Enrollment e, long by) {
            LocalDate day = cohort(e.enrolledAt());
            contributions(
                    e,
                    (figure, label) ->
                            changes.merge(new Key(e.journeyId(), day, e.holdout(), figure, label), by, Long::sum));
        }

        /** The non-zero changes, in key order. */
        public Map<Key, Long> changes() {
            Map<Key, Long> nonZero = new TreeMap<>(ORDER);
            changes.forEach((k, v) -> {
                if (v != 0) {
                    nonZero.put(k, v);
                }
            });
            return nonZero;
        }

        /**
         * Adds the changes to one shard's rows, in key order: two transactions that share rows take their locks in
         * the same order, so they can wait for each other but never deadlock. Called last in a transaction, after
         * every other lock it needs is held, so the rows stay locked only until the commit.
         */
        public void apply(Connection c) throws SQLException {
            Map<Key, Long> nonZero = changes();
            if (nonZero.isEmpty()) {
                return;
            }
            int n = nonZero.size();
            String[] journeys = new String[n];
            LocalDate[] days = new LocalDate[n];
            Boolean[] holdouts = new Boolean[n];
            String[] figures = new String[n];
            String[] labels = new String[n];
            Long[] values = new Long[n];
            int i = 0;
            for (var entry : nonZero.entrySet()) {
                Key k = entry.getKey();
                journeys[i] = k.journey();
                days[i] = k.day();
                holdouts[i] = k.holdout();
                figures[i] = k.figure();
                labels[i] = k.label();
                values[i] = entry.getValue();
                i++;
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO journey_counts (journey, cohort_day, holdout, figure, label, shard, n)
                    SELECT journey, day, holdout, figure, label, ?, n
                    FROM unnest(?::text[], ?::date[], ?::boolean[], ?::text[], ?::text[], ?::bigint[])
                        WITH ORDINALITY AS c(journey, day, holdout, figure, label, n, i)
                    ORDER BY i
                    ON CONFLICT (journey, cohort_day, holdout, figure, label, shard)
                    DO UPDATE SET n = journey_counts.n + EXCLUDED.n""")) {
                ps.setInt(1, ThreadLocalRandom.current().nextInt(SHARDS));
                ps.setArray(2, c.createArrayOf("text", journeys));
                ps.setArray(3, c.createArrayOf("date", days));
                ps.setArray(4, c.createArrayOf("boolean", holdouts));
                ps.setArray(5, c.createArrayOf("text", figures));
                ps.setArray(6, c.createArrayOf("text", labels));
                ps.setArray(7, c.createArrayOf("bigint", values));
                ps.executeUpdate();
            }
        }
    }

    /** A figure summed over a period, per group. */
    public record Total(boolean holdout, String figure, String label, long n) {}

    /** Every figure of a journey for the users who entered between {@code from} and {@code to}, both included. */
    public static List<Total> totals(Connection c, String journey, LocalDate from, LocalDate to) throws SQLException {
        List<Total> totals = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT holdout, figure, label, sum(n) FROM journey_counts
                WHERE journey = ? AND cohort_day BETWEEN ? AND ?
                GROUP BY holdout, figure, label""")) {
            ps.setString(1, journey);
            ps.setObject(2, from);
            ps.setObject(3, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    totals.add(new Total(rs.getBoolean(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
                }
            }
        }
        return totals;
    }

    /** One day's entries, completions and conversions of a journey's users who entered that day, per group. */
    public record Day(LocalDate day, boolean holdout, String figure, long n) {}

    public static List<Day> days(Connection c, String journey, LocalDate from, LocalDate to) throws SQLException {
        List<Day> days = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT cohort_day, holdout, figure, sum(n) FROM journey_counts
                WHERE journey = ? AND cohort_day BETWEEN ? AND ? AND label = ''
                  AND figure IN ('entered', 'completed', 'converted')
                GROUP BY cohort_day, holdout, figure ORDER BY cohort_day""")) {
            ps.setString(1, journey);
            ps.setObject(2, from);
            ps.setObject(3, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    days.add(new Day(
                            rs.getObject(1, LocalDate.class), rs.getBoolean(2), rs.getString(3), rs.getLong(4)));
                }
            }
        }
        return days;
    }

    /** Every journey's all-time figures (not per step): for metrics. */
    public static List<Map.Entry<String, Total>> allTotals(Connection c) throws SQLException {
        List<Map.Entry<String, Total>> totals = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT journey, holdout, figure, label, sum(n) FROM journey_counts
                GROUP BY journey, holdout, figure, label""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                totals.add(Map.entry(
                        rs.getString(1), new Total(rs.getBoolean(2), rs.getString(3), rs.getString(4), rs.getLong(5))));
            }
        }
        return totals;
    }
}
