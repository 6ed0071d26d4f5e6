package dev.onramp.engine.broadcast;

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
 * Sends broadcasts, shaped like the timers: each round takes the next part of an unfinished audience scan, then, for
 * every broadcast sending, claims a batch of its due recipients ({@code FOR UPDATE SKIP LOCKED}, so threads and
 * instances share the work) and hands them to the send policy and the outbox in one transaction
 * ({@link BroadcastTransactions}). A round that fails because of one recipient's data is halved until that recipient
 * is found and set aside; everyone else is sent to. A crash loses nothing: the recipients not yet marked are still
 * due, and the message ids (from broadcast and user) let dispatch deliver any message written twice only once.
 */
@ApplicationScoped
public class BroadcastFanOut {

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final BroadcastTransactions transactions;
    private final InstantSource clock;
    private final List<Loop> loops = new ArrayList<>();
    private final Isolation<String> isolation;
    private volatile boolean running = true;

    BroadcastFanOut(
            EngineConfig config,
            JourneyRegistry registry,
            BroadcastTransactions transactions,
            InstantSource clock,
            DataSource dataSource,
            Stalls stalls) {
        this.config = config;
        this.registry = registry;
        this.transactions = transactions;
        this.clock = clock;
        this.isolation = new Isolation<>("the broadcasts", stalls, () -> Failures.reachable(dataSource), () -> running);
        for (int i = 0; i < Math.max(1, config.broadcasts().threads()); i++) {
            loops.add(new Loop("broadcast-fan-out-" + i, config.broadcasts().pollInterval(), stalls, this::round));
        }
    }

    void start(@Observes @Priority(2000) StartupEvent ignored) {
        loops.forEach(Loop::start);
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        loops.forEach(loop -> loop.stop(Duration.ofSeconds(10)));
    }

    /** Starts a round now rather than at the next poll: a broadcast was just created. */
    public void wake() {
        loops.forEach(Loop::wake);
    }

    Loop.Next round() throws Exception {
        if (registry.current().isEmpty()) {
            return Loop.Next.IDLE;
        }
        Instant now = clock.instant();
        boolean more = transactions.scanOnce(now);
        int limit = Math.max(1, config.broadcasts().batchSize());
        for (String id : transactions.started(now)) {
            List<String> claimed = new ArrayList<>();
            try {
                more |= transactions.sendDue(id, now, limit, claimed) >= limit;
            } catch (Exception e) {
                if (claimed.isEmpty() || Failures.isTransient(e)) {
                    throw e;
                }
                isolation.apply(
                        List.copyOf(claimed),
                        users -> transactions.send(id, users, now),
                        (user, why) -> transactions.park(id, user, why, now));
                more = true;
            }
        }
        if (!more) {
            transactions.finish(now);
        }
        return more ? Loop.Next.AGAIN : Loop.Next.IDLE;
    }
}
