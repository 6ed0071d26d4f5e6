package dev.onramp.engine.erasure;

import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.outbox.OutboxRelay;
import dev.onramp.engine.state.StateStore;
import dev.onramp.pipeline.DeadLetters;
import dev.onramp.pipeline.ErasureRequest;
import dev.onramp.pipeline.Failures;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/** The transactions of the erasure consumer: erase a batch of users at once, or park one request. */
@ApplicationScoped
public class ErasureTransactions {

    private static final Logger LOG = Logger.getLogger(ErasureTransactions.class);

    private final EngineConfig config;
    private final Erasures erasures;
    private final StateStore store;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final OutboxRelay relay;
    private final MeterRegistry meters;

    ErasureTransactions(
            EngineConfig config,
            Erasures erasures,
            StateStore store,
            DataSource dataSource,
            InstantSource clock,
            OutboxRelay relay,
            MeterRegistry meters) {
        this.config = config;
        this.erasures = erasures;
        this.store = store;
        this.dataSource = dataSource;
        this.clock = clock;
        this.relay = relay;
        this.meters = meters;
    }

    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void apply(List<ErasureRequest> requests) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            for (ErasureRequest request : requests) {
                if (request.unreadable() != null) {
                    throw new IllegalArgumentException(request.unreadable());
                }
                Erasures.Erased erased = erasures.erase(
                        c,
                        request.userId(),
                        request.requestedAt(),
                        now,
                        config.topics().erasures());
                meters.counter("onramp.engine.erasures").increment();
                LOG.infof(
                        "erased user %s (%d id(s), %d row(s)); requested at %s",
                        request.userId(), erased.ids().size(), erased.rows(), request.requestedAt());
            }
        }
    }

    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void park(ErasureRequest request, Throwable why) throws SQLException {
        ConsumerRecord<String, byte[]> r = request.record();
        String reason = "cannot be applied: " + Failures.describe(why);
        try (Connection c = dataSource.getConnection()) {
            store.enqueue(
                    c,
                    List.of(new StateStore.OutboxRecord(
                            r.topic() + ".dlq",
                            r.key() == null ? "" : r.key(),
                            r.value(),
                            DeadLetters.headers(reason, r.topic(), r.partition(), r.offset()))),
                    clock.instant());
        }
        meters.counter("onramp.engine.parked", "stage", "erasures", "reason", Failures.category(why))
                .increment();
        LOG.warnf("parked %s-%d@%d on the dead-letter topic: %s", r.topic(), r.partition(), r.offset(), reason);
        relay.afterCommit();
    }
}
