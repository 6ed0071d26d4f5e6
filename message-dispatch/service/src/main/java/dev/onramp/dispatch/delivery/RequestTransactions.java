package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.handoff.Handoff;
import dev.onramp.dispatch.handoff.HandoffStore;
import dev.onramp.dispatch.handoff.HandoffWorker;
import dev.onramp.dispatch.ledger.Deliveries;
import dev.onramp.dispatch.ledger.DeliveryRequest;
import dev.onramp.dispatch.outbox.Outbox;
import dev.onramp.pipeline.AfterCommit;
import dev.onramp.pipeline.Failures;
import dev.onramp.pipeline.Offsets;
import dev.onramp.pipeline.Tombstones;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The transactions of the request consumer: {@link #store} writes many requests into {@code deliveries} with their
 * partitions' offsets; {@link #park} puts one record that cannot be stored on its dead-letter topic, with its offset.
 */
@ApplicationScoped
public class RequestTransactions {

    private static final Logger LOG = Logger.getLogger(RequestTransactions.class);

    private final Deliveries deliveries;
    private final DeliveryRounds rounds;
    private final Offsets offsets;
    private final Outbox outbox;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final MeterRegistry meters;
    private final TransactionSynchronizationRegistry transactions;
    private final Counter accepted;
    private final HandoffStore handoffs;
    private final HandoffWorker handoffWorker;

    RequestTransactions(
            HandoffStore handoffs,
            HandoffWorker handoffWorker,
            Deliveries deliveries,
            DeliveryRounds rounds,
            Offsets offsets,
            Outbox outbox,
            DataSource dataSource,
            InstantSource clock,
            MeterRegistry meters,
            TransactionSynchronizationRegistry transactions) {
        this.handoffs = handoffs;
        this.handoffWorker = handoffWorker;
        this.deliveries = deliveries;
        this.rounds = rounds;
        this.offsets = offsets;
        this.outbox = outbox;
        this.dataSource = dataSource;
        this.clock = clock;
        this.meters = meters;
        this.transactions = transactions;
        this.accepted = Counter.builder("onramp.dispatch.requests")
                .description("Message requests consumed, by outcome")
                .tag("outcome", "accepted")
                .register(meters);
    }

    /** Stores the requests as one transaction; throws, changing nothing, if any of them cannot be stored. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void store(List<RequestItem> items) throws SQLException {
        store(items, clock.instant());
    }

    /**
     * Stores the requests and delivers those due now in the same transaction — the in-app ones into their inboxes,
     * those for outside providers queued for this instance — one commit from request to inbox. Throws, changing
     * nothing, if any of them cannot be stored or delivered: the caller then stores them by {@link #store}, and the
     * delivery worker delivers them, finding and failing any that cannot be.
     *
     * @return the sends queued for this instance, to be started once this commits
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public List<Job> storeAndDeliver(List<RequestItem> items, boolean external, String owner) throws SQLException {
        Instant now = clock.instant();
        return rounds.deliverStored(store(items, now), now, external, owner);
    }

    /** The requests stored (or stored before: a repeat changes nothing), as read from their records. */
    private List<DeliveryRequest> store(List<RequestItem> items, Instant now) throws SQLException {
        Map<TopicPartition, Long> next = new HashMap<>();
        for (RequestItem item : items) {
            next.merge(item.topicPartition(), item.offset() + 1, Math::max);
        }
        try (Connection c = dataSource.getConnection()) {
            Map<TopicPartition, Long> stored = offsets.lock(c, next.keySet());
            List<DeliveryRequest> requests = new ArrayList<>();
            List<String> raw = new ArrayList<>();
            Outbox.Writer writer = outbox.writer();
            int dead = 0;
            int gone = 0;
            java.util.Set<String> users = new java.util.HashSet<>();
            for (RequestItem item : items) {
                if (item.userId() != null) {
                    users.add(item.userId());
                }
            }
            List<Handoff> handoffs = new ArrayList<>();
            List<String> handoffsRaw = new ArrayList<>();
            Map<String, Instant> erased = Tombstones.erasedAt(c, users);
            for (RequestItem item : items) {
                if (item.offset() < stored.getOrDefault(item.topicPartition(), 0L)) {
                    continue;
                }
                if (item.userId() != null && Tombstones.stale(item.timestamp(), erased.get(item.userId()))) {
                    // Decided before the user was erased, read after: sending it would bring them back.
                    gone++;
                    continue;
                }
                if (item.handoff() != null) {
                    handoffs.add(item.handoff());
                    handoffsRaw.add(item.raw());
                } else if (item.request() == null) {
                    deadLetter(writer, item, item.invalid(), now);
                    dead++;
                } else {
                    requests.add(item.request());
                    raw.add(item.raw());
                }
            }
            if (!requests.isEmpty()) {
                deliveries.insertAll(c, requests, raw, now);
            }
            if (!handoffs.isEmpty()) {
                this.handoffs.insertAll(c, handoffs, handoffsRaw, now);
                AfterCommit.run(transactions, handoffWorker::wake);
            }
            writer.flush();
            offsets.advance(c, next);
            int acceptedHere = requests.size();
            int dropped = gone;
            int unreadable = dead;
            // Counted once committed: a poll whose one-transaction path rolls back is stored again by the careful one.
            AfterCommit.run(transactions, () -> {
                accepted.increment(acceptedHere);
                if (dropped > 0) {
                    meters.counter("onramp.dispatch.requests", "outcome", "user-erased")
                            .increment(dropped);
                    LOG.infof("%d message request(s) for erased users, decided before their erasure, dropped", dropped);
                }
                if (unreadable > 0) {
                    parked("unreadable").increment(unreadable);
                }
            });
            return requests;
        }
    }

    /** Parks one record that cannot be stored: to its dead-letter topic with why, its offset consumed. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void park(RequestItem item, Throwable why) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            long next = offsets.lock(c, List.of(item.topicPartition())).getOrDefault(item.topicPartition(), 0L);
            if (item.offset() < next) {
                return;
            }
            String reason = "cannot be stored: " + Failures.describe(why);
            Outbox.Writer writer = outbox.writer();
            deadLetter(writer, item, reason, clock.instant());
            writer.flush();
            offsets.advance(c, Map.of(item.topicPartition(), item.offset() + 1));
            parked(Failures.category(why)).increment();
            LOG.warnf(
                    "parked %s-%d@%d (user %s) on the dead-letter topic: %s",
                    item.topic(), item.partition(), item.offset(), item.key(), reason);
        }
    }

    private static void deadLetter(Outbox.Writer writer, RequestItem item, String reason, Instant now) {
        writer.deadLetter(
                item.topic(),
                item.partition(),
                item.offset(),
                item.key(),
                item.raw() == null ? null : item.raw().getBytes(StandardCharsets.UTF_8),
                reason,
                now);
    }

    private Counter parked(String reason) {
        return meters.counter("onramp.dispatch.parked", "stage", "requests", "reason", reason);
    }
}
