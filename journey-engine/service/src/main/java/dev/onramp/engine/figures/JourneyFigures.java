package dev.onramp.engine.figures;

import dev.onramp.engine.state.JourneyCounts;
import dev.onramp.journey.model.Channel;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * A journey's figures as the funnel API, the console and the metrics show them, read from the counts kept as events
 * are applied ({@link JourneyCounts}): the cost of a read grows with the number of days and steps, not of users.
 */
@ApplicationScoped
public class JourneyFigures {

    /** The first day a period can start: "since the beginning". */
    public static final LocalDate EPOCH = LocalDate.of(2000, 1, 1);

    /** The last day a period can end. */
    public static final LocalDate LAST = LocalDate.of(9999, 12, 31);

    private final DataSource dataSource;

    JourneyFigures(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A journey's funnel for the users who entered between {@code from} and {@code to} (UTC days, both included).
     *
     * @param from first cohort day
     * @param to last cohort day
     */
    public record Funnel(String journey, LocalDate from, LocalDate to, Group treatment, Group holdout) {}

    /**
     * One group's figures. {@code active} is what is neither completed nor exited.
     *
     * @param channels what became of the messages, per channel: held-out users get none
     */
    public record Group(
            long entered,
            long active,
            long completed,
            long exited,
            long converted,
            List<StepCounts> steps,
            List<ChannelCounts> channels) {}

    /**
     * Users (not messages) per step: who reached it (it became their next step, got a message or was done), were sent a
     * nudge or a reminder for it, read or clicked one of its messages, and did it.
     *
     * @param medianSecondsToDone median time from entering the journey to doing the step, estimated from buckets
     *     ({@link JourneyCounts#WITHIN}); null when nobody did it or when the median lies beyond the last bucket
     */
    public record StepCounts(
            String step,
            long reached,
            long nudged,
            long reminded,
            long read,
            long clicked,
            long done,
            Long medianSecondsToDone) {}

    /** Messages (not users) per channel and what became of them, as far as delivery reports have said. */
    public record ChannelCounts(
            String channel,
            long sent,
            long delivered,
            long read,
            long clicked,
            long failed,
            long suppressed,
            long unsubscribed) {}

    /** One cohort day's entries, completions and conversions, per group. */
    public record Day(LocalDate day, DayCounts treatment, DayCounts holdout) {}

    public record DayCounts(long entered, long completed, long converted) {}

    /**
     * The funnel of a journey.
     *
     * @param steps the journey's steps in order, when it is loaded: steps counted but no longer in it follow them
     */
    public Funnel funnel(String journey, List<String> steps, LocalDate from, LocalDate to) {
        List<JourneyCounts.Total> totals;
        try (Connection c = dataSource.getConnection()) {
            totals = JourneyCounts.totals(c, journey, from, to);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the journey's counts", e);
        }
        return new Funnel(journey, from, to, group(false, totals, steps), group(true, totals, steps));
    }

    /** Whether anyone ever entered the journey. */
    public boolean known(String journey) {
        Funnel all = funnel(journey, List.of(), EPOCH, LAST);
        return all.treatment().entered() + all.holdout().entered() > 0;
    }

    /** Each cohort day of the period with anyone in it. */
    public List<Day> days(String journey, LocalDate from, LocalDate to) {
        Map<LocalDate, long[][]> byDay = new TreeMap<>();
        try (Connection c = dataSource.getConnection()) {
            for (JourneyCounts.Day d : JourneyCounts.days(c, journey, from, to)) {
                long[] n = byDay.computeIfAbsent(d.day(), k -> new long[2][3])[d.holdout() ? 1 : 0];
                switch (d.figure()) {
                    case "entered" -> n[0] += d.n();
                    case "completed" -> n[1] += d.n();
                    case "converted" -> n[2] += d.n();
                    default -> {}
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the journey's counts", e);
        }
        List<Day> days = new ArrayList<>();
        byDay.forEach((day, n) -> days.add(
                new Day(day, new DayCounts(n[0][0], n[0][1], n[0][2]), new DayCounts(n[1][0], n[1][1], n[1][2]))));
        return days;
    }

    private static Group group(boolean holdout, List<JourneyCounts.Total> totals, List<String> order) {
        Map<String, Long> plain = new LinkedHashMap<>();
        Map<String, Map<String, Long>> perStep = new LinkedHashMap<>();
        Map<String, Map<String, Long>> within = new LinkedHashMap<>();
        Map<String, Map<String, Long>> perChannel = new TreeMap<>();
        order.forEach(s -> perStep.put(s, new LinkedHashMap<>()));
        for (JourneyCounts.Total t : totals) {
            if (t.holdout() != holdout) {
                continue;
            }
            switch (t.figure()) {
                case "entered", "completed", "exited", "converted" -> plain.merge(t.figure(), t.n(), Long::sum);
                case "done_within" -> {
                    int cut = t.label().lastIndexOf('|');
                    within.computeIfAbsent(t.label().substring(0, cut), k -> new LinkedHashMap<>())
                            .merge(t.label().substring(cut + 1), t.n(), Long::sum);
                }
                case "message" -> {
                    int cut = t.label().lastIndexOf('|');
                    perChannel
                            .computeIfAbsent(t.label().substring(0, cut), k -> new LinkedHashMap<>())
                            .merge(t.label().substring(cut + 1), t.n(), Long::sum);
                }
                default ->
                    perStep.computeIfAbsent(t.label(), k -> new LinkedHashMap<>())
                            .merge(t.figure(), t.n(), Long::sum);
            }
        }
        List<StepCounts> steps = new ArrayList<>();
        perStep.forEach((step, n) -> steps.add(new StepCounts(
                step,
                n.getOrDefault("reached", 0L),
                n.getOrDefault("nudged", 0L),
                n.getOrDefault("reminded", 0L),
                n.getOrDefault("read", 0L),
                n.getOrDefault("clicked", 0L),
                n.getOrDefault("done", 0L),
                median(within.getOrDefault(step, Map.of())))));
        List<ChannelCounts> channels = new ArrayList<>();
        for (Channel channel : Channel.values()) {
            Map<String, Long> n = perChannel.remove(channel.wireName());
            if (n != null) {
                channels.add(channel(channel.wireName(), n));
            }
        }
        perChannel.forEach((name, n) -> channels.add(channel(name, n)));
        long entered = plain.getOrDefault("entered", 0L);
        long completed = plain.getOrDefault("completed", 0L);
        long exited = plain.getOrDefault("exited", 0L);
        return new Group(
                entered,
                entered - completed - exited,
                completed,
                exited,
                plain.getOrDefault("converted", 0L),
                steps,
                channels);
    }

    private static ChannelCounts channel(String name, Map<String, Long> n) {
        return new ChannelCounts(
                name,
                n.getOrDefault("sent", 0L),
                n.getOrDefault("delivered", 0L),
                n.getOrDefault("read", 0L),
                n.getOrDefault("clicked", 0L),
                n.getOrDefault("failed", 0L),
                n.getOrDefault("suppressed", 0L),
                n.getOrDefault("unsubscribed", 0L));
    }

    /**
     * The median of a histogram of times, interpolated linearly inside the bucket that holds it (as Prometheus'
     * histogram_quantile does); null when empty or when the median is in the open last bucket.
     */
    static Long median(Map<String, Long> buckets) {
        long total = buckets.values().stream().mapToLong(Long::longValue).sum();
        if (total <= 0) {
            return null;
        }
        double half = total / 2.0;
        long before = 0;
        long lower = 0;
        for (long bound : JourneyCounts.WITHIN) {
            long in = buckets.getOrDefault(Long.toString(bound), 0L);
            if (in > 0 && before + in >= half) {
                return Math.round(lower + (bound - lower) * ((half - before) / in));
            }
            before += in;
            lower = bound;
        }
        return null;
    }
}
