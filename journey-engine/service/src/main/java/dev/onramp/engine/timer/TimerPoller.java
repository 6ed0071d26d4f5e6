package dev.onramp.engine.timer;

import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.pipeline.Failures;
import dev.onramp.pipeline.Isolation;
import dev.onramp.pipeline.Loop;
import dev.onramp.pipeline.Stalls;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Fires due timers. Each round claims users with a due message ({@code FOR UPDATE SKIP LOCKED}, so any number of
 * threads and instances share the work without waiting on each other), re-checks everything at fire time through the
 * journey semantics and commits the outcome with its messages in one transaction ({@link TimerTransactions}). When a
 * round fails because of one user's data, the round is halved until that user is found; that user's timer is parked
 * with the reason in their journey log, and everyone else's fires.
 */
@ApplicationScoped
public class TimerPoller {

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final TimerTransactions transactions;
    private final InstantSource clock;
    private final List<Loop> loops = new ArrayList<>();
    private final Isolation<String> isolation;
    private volatile boolean running = true;

    TimerPoller(
            EngineConfig config,
            JourneyRegistry registry,
            TimerTransactions transactions,
            InstantSource clock,
            DataSource dataSource,
            Stalls stalls) {
        this.config = config;
        this.registry = registry;
        this.transactions = transactions;
        this.clock = clock;
        this.isolation = new Isolation<>("the timers", stalls, () -> Failures.reachable(dataSource), () -> running);
        for (int i = 0; i < Math.max(1, config.timers().threads()); i++) {
            loops.add(new Loop("timer-poller-" + i, config.timers().pollInterval(), stalls, this::fireOnce));
        }
    }

    void start(@Observes @Priority(2000) StartupEvent ignored) {
        loops.forEach(Loop::start);
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        loops.forEach(loop -> loop.stop(Duration.ofSeconds(10)));
    }

    /** Handles one batch of users with due timers. */
    Loop.Next fireOnce() throws Exception {
        if (registry.current().isEmpty()) {
            return Loop.Next.IDLE;
        }
        Instant now = clock.instant();
        int limit = config.timers().batchSize();
        List<String> claimed = new ArrayList<>();
        try {
            transactions.claimAndFire(now, limit, claimed);
        } catch (Exception e) {
            if (claimed.isEmpty() || Failures.isTransient(e)) {
                throw e;
            }
            isolation.apply(
                    List.copyOf(claimed),
                    users -> transactions.fire(users, now),
                    (user, why) -> transactions.park(user, why, now));
        }
        return claimed.size() >= limit ? Loop.Next.AGAIN : Loop.Next.IDLE;
    }
}
