package dev.onramp.engine.broadcast;

import dev.onramp.broadcast.BroadcastSpec;
import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.outbox.OutboxRelay;
import dev.onramp.engine.state.Batch;
import dev.onramp.engine.state.StateStore;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.model.Durations;
import dev.onramp.journey.run.Broadcast;
import dev.onramp.journey.run.Broadcasting;
import dev.onramp.journey.run.Decision;
import dev.onramp.pipeline.Failures;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The transactions of the fan-out: take the next part of a broadcast's audience, hand a batch of recipients to
 * dispatch through the outbox (each recipient's row, their profile's caps and journey log, and the message, in one
 * transaction), or set aside one recipient who cannot be handled.
 */
@ApplicationScoped
public class BroadcastTransactions {

    private static final Logger LOG = Logger.getLogger(BroadcastTransactions.class);

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final BroadcastStore broadcasts;
    private final StateStore store;
    private final Records records;
    private final DataSource dataSource;
    private final OutboxRelay relay;
    private final MeterRegistry meters;
    private final Conditions conditions = new Conditions();

    BroadcastTransactions(
            EngineConfig config,
            JourneyRegistry registry,
            BroadcastStore broadcasts,
            StateStore store,
            Records records,
            DataSource dataSource,
            OutboxRelay relay,
            MeterRegistry meters) {
        this.config = config;
        this.registry = registry;
        this.broadcasts = broadcasts;
        this.store = store;
        this.records = records;
        this.dataSource = dataSource;
        this.relay = relay;
        this.meters = meters;
    }

    /**
     * Looks at the next users of one unfinished audience scan and adds those who match as recipients, pending from
     * the broadcast's start, so sending goes on while the scan does.
     *
     * @return whether a scan was worked on
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public boolean scanOnce(Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Optional<BroadcastStore.Scan> claimed = broadcasts.claimScan(c, now);
            if (claimed.isEmpty()) {
                return false;
            }
            BroadcastStore.Scan scan = claimed.get();
            Optional<BroadcastStore.Sending> sending = broadcasts.holdSending(c, scan.id());
            if (sending.isEmpty()) {
                broadcasts.advanceScan(c, scan.id(), scan.after(), 0, true);
                return true;
            }
            int chunk = Math.max(1, config.broadcasts().snapshotChunk());
            List<BroadcastStore.Candidate> candidates =
                    broadcasts.candidates(c, scan.after(), sending.get().startsAt(), chunk);
            Condition where = sending.get().spec().condition(conditions);
            List<BroadcastStore.Candidate> matching = new ArrayList<>();
            for (BroadcastStore.Candidate candidate : candidates) {
                if (candidate.matches(where, now)) {
                    matching.add(candidate);
                }
            }
            List<String> ids =
                    matching.stream().map(BroadcastStore.Candidate::userId).toList();
            BroadcastSpec spec = sending.get().spec();
            if (spec.localStartAt() != null) {
                broadcasts.addRecipients(
                        c, scan.id(), spec, matching, ids, sending.get().startsAt(), now);
            } else {
                broadcasts.addRecipients(c, scan.id(), ids, sending.get().startsAt(), now);
            }
            String last =
                    candidates.isEmpty() ? scan.after() : candidates.getLast().userId();
            broadcasts.advanceScan(c, scan.id(), last, candidates.size(), candidates.size() < chunk);
            return true;
        }
    }

    /**
     * Claims up to {@code limit} of the broadcast's due recipients (fewer when its rate limit says so) and handles
     * them.
     *
     * @param claimed filled with the users claimed, so that a caller whose transaction failed knows whom to isolate
     * @return how many were claimed
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public int sendDue(String id, Instant now, int limit, List<String> claimed) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Optional<BroadcastStore.Sending> sending = broadcasts.holdSending(c, id);
            if (sending.isEmpty()) {
                return 0;
            }
            BroadcastStore.Sending b = sending.get();
            if (b.expiresAt() != null && now.isAfter(b.expiresAt())) {
                int expired = broadcasts.expire(c, id, b.expiresAt(), now);
                meters.counter("onramp.engine.broadcasts.recipients", "status", "expired")
                        .increment(expired);
                return 0;
            }
            int allowed = b.rate() == null ? limit : Math.min(limit, broadcasts.allowance(c, id, b.rate(), now));
            if (allowed == 0) {
                return 0;
            }
            // A recipient of a local-time schedule whose own deadline passed (their time came during an outage, or
            // had come before the broadcast was made) is counted as expired, never sent late.
            List<String> due = new ArrayList<>();
            List<BroadcastStore.Change> expired = new ArrayList<>();
            for (BroadcastStore.Due d : broadcasts.claimDue(c, id, now, allowed)) {
                claimed.add(d.userId());
                if (d.expiresAt() != null && now.isAfter(d.expiresAt())) {
                    expired.add(new BroadcastStore.Change(
                            d.userId(),
                            BroadcastStore.Status.EXPIRED,
                            null,
                            null,
                            null,
                            "not reached within " + Durations.format(b.spec().maxLateness()) + " of their local "
                                    + b.spec().localStartAt().toLocalTime()
                                    + " (the broadcast's maximum lateness)"));
                } else {
                    due.add(d.userId());
                }
            }
            broadcasts.record(c, id, expired, now);
            meters.counter("onramp.engine.broadcasts.recipients", "status", "expired")
                    .increment(expired.size());
            handle(c, b, due, now);
            return claimed.size();
        }
    }

    /** Handles these recipients of the broadcast, those whose profile no other transaction holds. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void send(String id, Collection<String> users, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Optional<BroadcastStore.Sending> sending = broadcasts.holdSending(c, id);
            if (sending.isPresent()) {
                handle(c, sending.get(), users, now);
            }
        }
    }

    /**
     * Hands the claimed recipients to the send policy: those the engine does not know are skipped, those whose profile
     * another transaction holds (their own event, a timer) stay due for the next round.
     */
    private void handle(Connection c, BroadcastStore.Sending b, Collection<String> claimed, Instant now)
            throws SQLException {
        if (claimed.isEmpty()) {
            return;
        }
        Set<String> known = broadcasts.known(c, claimed);
        List<BroadcastStore.Change> changes = new ArrayList<>();
        for (String user : claimed) {
            if (!known.contains(user)) {
                changes.add(new BroadcastStore.Change(
                        user, BroadcastStore.Status.SKIPPED, null, null, null, "not a known user"));
            }
        }
        List<String> users = store.claim(c, known);
        Broadcast broadcast = b.spec().toBroadcast(b.id());
        Broadcasting broadcasting = new Broadcasting(registry.settings());
        Batch batch = new Batch(store, records, config.topics().messageRequests(), store.lockAndLoad(c, users));
        int sent = 0;
        for (String user : users) {
            StateStore.Row row = batch.row(user);
            if (row == null || row.anonymous() || row.mergedInto() != null) {
                changes.add(new BroadcastStore.Change(
                        user,
                        BroadcastStore.Status.SKIPPED,
                        null,
                        null,
                        null,
                        "not a known user (only seen as an anonymous visitor)"));
                continue;
            }
            Broadcasting.Result result = broadcasting.deliver(batch.state(user), broadcast, now);
            batch.apply(user, result.outcome(), null);
            changes.add(
                    switch (result) {
                        case Broadcasting.Sent s -> {
                            sent++;
                            yield new BroadcastStore.Change(
                                    user,
                                    BroadcastStore.Status.SENT,
                                    null,
                                    s.channel().wireName(),
                                    s.messageId(),
                                    null);
                        }
                        case Broadcasting.Deferred d ->
                            new BroadcastStore.Change(
                                    user, BroadcastStore.Status.DEFERRED, d.until(), null, null, d.reason());
                        case Broadcasting.Skipped s ->
                            new BroadcastStore.Change(
                                    user, BroadcastStore.Status.SKIPPED, null, null, null, s.reason());
                    });
        }
        batch.write(c, now);
        broadcasts.record(c, b.id(), changes, now);
        if (b.rate() != null) {
            broadcasts.spend(c, b.id(), sent, now);
        }
        for (BroadcastStore.Change change : changes) {
            meters.counter(
                            "onramp.engine.broadcasts.recipients",
                            "status",
                            change.status().wireName())
                    .increment();
        }
        if (batch.hasOutbox()) {
            relay.afterCommit();
        }
    }

    /**
     * Sets aside a recipient who cannot be handled (their stored state cannot be read, say): skipped, with the reason
     * in the broadcast's counts and in their journey log, so the rest of the audience is not held up.
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void park(String id, String user, Throwable why, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            String reason = "could not be handled (" + Failures.describe(why) + ")";
            broadcasts.record(
                    c,
                    id,
                    List.of(new BroadcastStore.Change(user, BroadcastStore.Status.SKIPPED, null, null, null, reason)),
                    now);
            store.appendDecisions(
                    c,
                    List.of(new Decision(
                            now,
                            user,
                            Broadcasting.logName(id),
                            0,
                            null,
                            Decision.Kind.PARKED,
                            "broadcast " + reason,
                            null)));
            meters.counter("onramp.engine.parked", "stage", "broadcasts", "reason", Failures.category(why))
                    .increment();
            LOG.warnf("set aside recipient %s of broadcast %s: %s", user, id, reason);
        }
    }

    /** Marks as sent the broadcasts that have nobody left to handle. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public int finish(Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return broadcasts.finish(c, now);
        }
    }

    /** Broadcasts sending now. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public List<String> started(Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return broadcasts.started(c, now);
        }
    }
}
