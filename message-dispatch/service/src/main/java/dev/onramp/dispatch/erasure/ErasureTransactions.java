package dev.onramp.dispatch.erasure;

import dev.onramp.dispatch.inapp.Inbox;
import dev.onramp.dispatch.outbox.Outbox;
import dev.onramp.pipeline.ErasureRequest;
import dev.onramp.pipeline.Failures;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/** The transactions of the erasure consumer: erase a batch of users at once, or park one request. */
@ApplicationScoped
public class ErasureTransactions {

    private static final Logger LOG = Logger.getLogger(ErasureTransactions.class);

    private final Erasures erasures;
    private final Inbox inbox;
    private final Outbox outbox;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final MeterRegistry meters;

    ErasureTransactions(
            Erasures erasures,
            Inbox inbox,
            Outbox outbox,
            DataSource dataSource,
            InstantSource clock,
            MeterRegistry meters) {
        this.erasures = erasures;
        this.inbox = inbox;
        this.outbox = outbox;
        this.dataSource = dataSource;
        this.clock = clock;
        this.meters = meters;
    }

    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void apply(List<ErasureRequest> requests) throws SQLException {
        Instant now = clock.instant();
        Set<String> users = new LinkedHashSet<>();
        try (Connection c = dataSource.getConnection()) {
            for (ErasureRequest request : requests) {
                if (request.unreadable() != null) {
                    throw new IllegalArgumentException(request.unreadable());
                }
                Erasures.Erased erased = erasures.erase(c, request.userId(), request.requestedAt(), now);
                users.add(request.userId());
                meters.counter("onramp.dispatch.erasures").increment();
                LOG.infof(
                        "erased user %s (%d address(es), %d row(s)); requested at %s",
                        request.userId(), erased.addresses(), erased.rows(), request.requestedAt());
            }
        }
        // Open inbox streams of these users show the inbox as it now is: empty.
        inbox.changed(users);
    }

    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void park(ErasureRequest request, Throwable why) throws SQLException {
        ConsumerRecord<String, byte[]> r = request.record();
        String reason = "cannot be applied: " + Failures.describe(why);
        Outbox.Writer writer = outbox.writer();
        writer.deadLetter(r.topic(), r.partition(), r.offset(), r.key(), r.value(), reason, clock.instant());
        writer.flush();
        meters.counter("onramp.dispatch.parked", "stage", "erasures", "reason", Failures.category(why))
                .increment();
        LOG.warnf("parked %s-%d@%d on the dead-letter topic: %s", r.topic(), r.partition(), r.offset(), reason);
    }
}
