package dev.onramp.engine.figures;

import dev.onramp.engine.state.JourneyCounts;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The journeys' figures for machines: every journey's all-time counts as Prometheus gauges, read from the counts table
 * every {@code onramp.engine.figures-interval} (30 s by default), so a scrape never touches PostgreSQL.
 *
 * <ul>
 *   <li>{@code onramp_journey_users{journey, group, stage}}: users who entered, are active, completed, exited,
 *       converted (group: treatment or holdout);
 *   <li>{@code onramp_journey_step_users{journey, group, step, stage}}: users who reached, were nudged, reminded, read,
 *       clicked, did each step;
 *   <li>{@code onramp_journey_step_done_within{journey, group, step, le}}: users who did the step within {@code le}
 *       seconds of entering, cumulative as a Prometheus histogram's buckets are ({@code +Inf} is all);
 *   <li>{@code onramp_journey_messages{journey, channel, outcome}}: messages sent, delivered, read, clicked, failed,
 *       suppressed, unsubscribed.
 * </ul>
 *
 * Every engine instance reports the same figures (they are the database's): aggregate with {@code max}, not
 * {@code sum}. A figure can go down (a delivery report that arrives late, a join of two users), so these are gauges.
 */
@ApplicationScoped
public class JourneyMetrics {

    private static final Logger LOG = Logger.getLogger(JourneyMetrics.class);

    private final DataSource dataSource;
    private final MeterRegistry meters;
    private final Map<Key, Double> values = new ConcurrentHashMap<>();

    private record Key(String name, Tags tags) {}

    JourneyMetrics(DataSource dataSource, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.meters = meters;
    }

    @Scheduled(
            every = "${onramp.engine.figures-interval:30s}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        try (Connection c = dataSource.getConnection()) {
            Map<Key, Double> next = new HashMap<>();
            Map<Key, Map<String, Long>> within = new HashMap<>();
            for (var entry : JourneyCounts.allTotals(c)) {
                String journey = entry.getKey();
                JourneyCounts.Total t = entry.getValue();
                String group = t.holdout() ? "holdout" : "treatment";
                switch (t.figure()) {
                    case "entered", "completed", "exited", "converted" -> {
                        add(
                                next,
                                "onramp.journey.users",
                                t.n(),
                                "journey",
                                journey,
                                "group",
                                group,
                                "stage",
                                t.figure());
                        long sign = "entered".equals(t.figure()) ? 1 : "converted".equals(t.figure()) ? 0 : -1;
                        add(
                                next,
                                "onramp.journey.users",
                                sign * t.n(),
                                "journey",
                                journey,
                                "group",
                                group,
                                "stage",
                                "active");
                    }
                    case "message" -> {
                        int cut = t.label().lastIndexOf('|');
                        if (!t.holdout()) {
                            add(
                                    next,
                                    "onramp.journey.messages",
                                    t.n(),
                                    "journey",
                                    journey,
                                    "channel",
                                    t.label().substring(0, cut),
                                    "outcome",
                                    t.label().substring(cut + 1));
                        }
                    }
                    case "done_within" -> {
                        int cut = t.label().lastIndexOf('|');
                        within.computeIfAbsent(
                                        new Key(
                                                "onramp.journey.step.done.within",
                                                Tags.of(
                                                        "journey",
                                                        journey,
                                                        "group",
                                                        group,
                                                        "step",
                                                        t.label().substring(0, cut))),
                                        k -> new HashMap<>())
                                .merge(t.label().substring(cut + 1), t.n(), Long::sum);
                    }
                    default ->
                        add(
                                next,
                                "onramp.journey.step.users",
                                t.n(),
                                "journey",
                                journey,
                                "group",
                                group,
                                "step",
                                t.label(),
                                "stage",
                                t.figure());
                }
            }
            within.forEach((key, buckets) -> {
                long cumulative = 0;
                for (long bound : JourneyCounts.WITHIN) {
                    cumulative += buckets.getOrDefault(Long.toString(bound), 0L);
                    next.put(new Key(key.name(), key.tags().and("le", Long.toString(bound))), (double) cumulative);
                }
                cumulative += buckets.getOrDefault(JourneyCounts.LATER, 0L);
                next.put(new Key(key.name(), key.tags().and("le", "+Inf")), (double) cumulative);
            });
            LOG.debugf("%d journey figures read for metrics", next.size());
            // A figure that is no longer counted (a journey's counts rebuilt without it) reads 0 rather than vanishing.
            values.keySet().forEach(k -> next.putIfAbsent(k, 0.0));
            next.forEach((key, value) -> {
                if (values.put(key, value) == null) {
                    Gauge.builder(key.name(), values, v -> v.getOrDefault(key, 0.0))
                            .tags(key.tags())
                            .register(meters);
                }
            });
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Could not read the journeys' figures for metrics (kept the last ones): %s", e.getMessage());
        }
    }

    private static void add(Map<Key, Double> values, String name, long n, String... tags) {
        values.merge(new Key(name, Tags.of(tags)), (double) n, Double::sum);
    }
}
