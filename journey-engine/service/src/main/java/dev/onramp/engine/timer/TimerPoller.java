package dev.onramp.engine.timer;

import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.outbox.OutboxRelay;
import dev.onramp.engine.state.Batch;
import dev.onramp.engine.state.StateStore;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.run.JourneyRuntime;
import dev.onramp.journey.run.UserState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Fires due timers. Each round claims users with a due message ({@code FOR UPDATE SKIP LOCKED}, so any number of
 * instances share the work without waiting on each other), re-checks everything at fire time through the journey
 * semantics and commits the outcome with its messages in one transaction.
 */
@ApplicationScoped
public class TimerPoller {

    private static final Logger LOG = Logger.getLogger(TimerPoller.class);

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final StateStore store;
    private final Records records;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final OutboxRelay relay;
    private final Counter fired;
    private volatile boolean running;
    private final java.util.List<Thread> threads = new java.util.ArrayList<>();

    TimerPoller(
            EngineConfig config,
            JourneyRegistry registry,
            StateStore store,
            Records records,
            DataSource dataSource,
            InstantSource clock,
            OutboxRelay relay,
            MeterRegistry meters) {
        this.config = config;
        this.registry = registry;
        this.store = store;
        this.records = records;
        this.dataSource = dataSource;
        this.clock = clock;
        this.relay = relay;
        this.fired = Counter.builder("onramp.engine.timers.fired")
                .description("Users whose due timers were handled")
                .register(meters);
    }

    void start(@Observes @Priority(30) StartupEvent ignored) {
        running = true;
        for (int i = 0; i < Math.max(1, config.timers().threads()); i++) {
            threads.add(Thread.ofPlatform().name("timer-poller-" + i).start(this::run));
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        for (Thread thread : threads) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        long interval = config.timers().pollInterval().toMillis();
        long backoff = interval;
        while (running) {
            try {
                int handled = registry.current().isEmpty() ? 0 : fireOnce();
                backoff = interval;
                if (handled < config.timers().batchSize()) {
                    Thread.sleep(interval);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                LOG.warnf("firing timers failed, retrying in %d ms: %s", backoff, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    /** Handles one batch of users with due timers; returns how many. */
    int fireOnce() throws SQLException {
        JourneyRuntime runtime = registry.current().orElseThrow().runtime();
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<String> users = store.claimDue(c, now, config.timers().batchSize());
                if (users.isEmpty()) {
                    c.commit();
                    return 0;
                }
                Batch batch = new Batch(store, records, config.topics().messageRequests(), store.lockAndLoad(c, users));
                for (String user : users) {
                    UserState state = batch.state(user);
                    batch.apply(user, runtime.onDue(state, now), null);
                }
                batch.write(c, now);
                c.commit();
                fired.increment(users.size());
                if (batch.hasOutbox()) {
                    relay.wake();
                }
                return users.size();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
