package dev.onramp.engine.timer;

import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.outbox.OutboxRelay;
import dev.onramp.engine.state.Batch;
import dev.onramp.engine.state.StateStore;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.run.Decision;
import dev.onramp.journey.run.JourneyRuntime;
import dev.onramp.pipeline.Failures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/** The transactions of the timers: fire a claimed batch, or park one user's timer that cannot fire. */
@ApplicationScoped
public class TimerTransactions {

    private static final Logger LOG = Logger.getLogger(TimerTransactions.class);

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final StateStore store;
    private final Records records;
    private final DataSource dataSource;
    private final OutboxRelay relay;
    private final MeterRegistry meters;
    private final Counter fired;

    TimerTransactions(
            EngineConfig config,
            JourneyRegistry registry,
            StateStore store,
            Records records,
            DataSource dataSource,
            OutboxRelay relay,
            MeterRegistry meters) {
        this.config = config;
        this.registry = registry;
        this.store = store;
        this.records = records;
        this.dataSource = dataSource;
        this.relay = relay;
        this.meters = meters;
        this.fired = Counter.builder("onramp.engine.timers.fired")
                .description("Users whose due timers were handled")
                .register(meters);
    }

    /**
     * Claims up to {@code limit} users with a due timer and fires them.
     *
     * @param claimed filled with the users claimed, so that a caller whose transaction failed knows whom to isolate
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void claimAndFire(Instant now, int limit, List<String> claimed) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            claimed.addAll(store.claimDue(c, now, limit));
            fire(c, claimed, now);
        }
    }

    /** Fires these users' due timers, those of them another instance does not hold. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void fire(Collection<String> users, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            fire(c, store.claim(c, users), now);
        }
    }

    private void fire(Connection c, Collection<String> users, Instant now) throws SQLException {
        if (users.isEmpty()) {
            return;
        }
        JourneyRuntime runtime = registry.current().orElseThrow().runtime();
        Batch batch = new Batch(store, records, config.topics().messageRequests(), store.lockAndLoad(c, users));
        for (String user : users) {
            batch.apply(user, runtime.onDue(batch.state(user), now), null);
        }
        batch.write(c, now);
        fired.increment(users.size());
        if (batch.hasOutbox()) {
            relay.afterCommit();
        }
    }

    /**
     * Stops the user's due timers, each with a {@code parked} entry in the journey log saying why, so that it is not
     * tried again and again; the user's next event schedules their journey anew.
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void park(String user, Throwable why, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            String reason = "the due message could not be handled (" + Failures.describe(why)
                    + "); nothing more is scheduled until the user's next event";
            List<Decision> decisions = store.parkDue(c, user, now, reason);
            store.appendDecisions(c, decisions);
            meters.counter("onramp.engine.parked", "stage", "timers", "reason", Failures.category(why))
                    .increment();
            LOG.warnf("parked %d due timer(s) of user %s: %s", decisions.size(), user, reason);
        }
    }
}
