package dev.onramp.engine.progress;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.erasure.Erasures;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.outbox.OutboxRelay;
import dev.onramp.engine.state.Batch;
import dev.onramp.engine.state.ConversationLog;
import dev.onramp.engine.state.SeenMessages;
import dev.onramp.engine.state.StateStore;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.model.Teammate;
import dev.onramp.journey.route.Routes;
import dev.onramp.journey.run.JourneyRuntime;
import dev.onramp.journey.run.UserEvent;
import dev.onramp.journey.run.UserState;
import dev.onramp.pipeline.Failures;
import dev.onramp.pipeline.Offsets;
import dev.onramp.pipeline.Tombstones;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The transactions of the event consumer. {@link #apply} takes many records at once: it locks their partitions'
 * offsets and their users, applies every record in order through the journey semantics and writes the new state, the
 * decisions, the messages (outbox) and the new offsets, all in one transaction. {@link #park} puts one record that
 * cannot be applied on its dead-letter topic, with its offset, in a transaction of its own.
 */
@ApplicationScoped
public class EventTransactions {

    private static final Logger LOG = Logger.getLogger(EventTransactions.class);

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final StateStore store;
    private final SeenMessages seen;
    private final Records records;
    private final Offsets offsets;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final OutboxRelay relay;
    private final ObjectMapper json;
    private final TraitLimits limits;
    private final Erasures erasures;
    private final MeterRegistry meters;
    private final Counter applied;
    private final Counter ignored;
    private final Counter skipped;
    private final Counter duplicates;
    private final Counter refusedTraits;

    EventTransactions(
            EngineConfig config,
            JourneyRegistry registry,
            StateStore store,
            SeenMessages seen,
            Records records,
            Offsets offsets,
            DataSource dataSource,
            InstantSource clock,
            OutboxRelay relay,
            ObjectMapper json,
            Erasures erasures,
            MeterRegistry meters) {
        this.erasures = erasures;
        this.config = config;
        this.registry = registry;
        this.store = store;
        this.seen = seen;
        this.records = records;
        this.offsets = offsets;
        this.dataSource = dataSource;
        this.clock = clock;
        this.relay = relay;
        this.json = json;
        this.meters = meters;
        this.limits = new TraitLimits(
                config.profiles().maxTraits(),
                config.profiles().maxTraitBytes(),
                config.profiles().maxProfileBytes());
        this.applied = Counter.builder("onramp.engine.records")
                .description("Records consumed, by outcome")
                .tag("outcome", "applied")
                .register(meters);
        this.ignored = Counter.builder("onramp.engine.records")
                .tag("outcome", "no-journey")
                .register(meters);
        this.skipped = Counter.builder("onramp.engine.records")
                .tag("outcome", "already-applied")
                .register(meters);
        this.duplicates = Counter.builder("onramp.engine.records")
                .tag("outcome", "duplicate")
                .register(meters);
        this.refusedTraits = Counter.builder("onramp.engine.traits.refused")
                .description("Traits of identify calls refused because they would pass a profile limit")
                .register(meters);
    }

    /** Applies the items as one transaction; throws, changing nothing, if any of them cannot be applied. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void apply(List<Item> items) throws SQLException {
        JourneyRegistry.Live live = registry.current().orElseThrow();
        JourneyRuntime runtime = live.runtime();
        Instant now = clock.instant();
        Map<TopicPartition, long[]> ranges = ranges(items);
        try (Connection c = dataSource.getConnection()) {
            Map<TopicPartition, Long> stored = offsets.lock(c, ranges.keySet());
            List<Item> fresh = new ArrayList<>(items.size());
            Set<String> users = new LinkedHashSet<>();
            Set<String> anonymous = new LinkedHashSet<>();
            int behind = 0;
            for (Item item : items) {
                long next = stored.getOrDefault(item.topicPartition(), 0L);
                if (item.offset() < next) {
                    behind++;
                    continue;
                }
                fresh.add(item);
                if (item.userId() != null) {
                    users.add(item.userId());
                }
                if (item.content() instanceof Item.Event e) {
                    if (e.event().anonymous()) {
                        anonymous.add(e.event().userId());
                    }
                    String source = e.event().mergeSource();
                    if (source != null) {
                        users.add(source);
                        anonymous.add(source);
                    }
                }
            }
            warnOfGaps(stored, fresh);
            StateStore.Loaded loaded = users.isEmpty()
                    ? StateStore.Loaded.none()
                    : withJoinedUsers(c, store.lockAndLoad(c, users, anonymous, now));
            // Read under the users' locks: an erasure applied meanwhile has committed, or waits for this batch.
            Map<String, Instant> erased = Tombstones.erasedAt(c, users);
            Set<String> droppedFor = new LinkedHashSet<>();
            Set<String> appliedFor = new LinkedHashSet<>();
            Batch batch = new Batch(store, records, config.topics().messageRequests(), loaded);
            Set<SeenMessages.Key> firstSeen = firstSightings(c, fresh, now);
            int dead = 0;
            int none = 0;
            int repeated = 0;
            int gone = 0;
            for (Item item : fresh) {
                Instant erasedAt = item.userId() == null ? null : erased.get(item.userId());
                boolean orphanReport = erasedAt != null
                        && item.content() instanceof Item.Delivery
                        && batch.state(batch.resolve(item.userId()))
                                .enrollments()
                                .isEmpty();
                // A report about a message to an erased user the engine holds nothing of (message-dispatch sent it
                // before it applied the erasure) would bring the user back for nothing.
                if (Tombstones.stale(item.timestamp(), erasedAt) || orphanReport) {
                    // Sent before the user was erased, read after: it would bring them back.
                    droppedFor.add(item.userId());
                    gone++;
                    continue;
                }
                if (item.userId() != null) {
                    appliedFor.add(item.userId());
                }
                switch (item.content()) {
                    case Item.Event e
                    when firstSeen != null && identified(e) && !firstSeen.remove(key(e)) -> repeated++;
                    case Item.Delivery d
                    when firstSeen != null && identified(d) && !firstSeen.remove(key(d)) -> repeated++;
                    case Item.Event e -> {
                        UserEvent event = e.event();
                        String user;
                        if (event.anonymous()) {
                            user = batch.resolve(event.userId());
                        } else {
                            user = event.userId();
                            batch.known(user);
                        }
                        String source = event.mergeSource();
                        if (source != null) {
                            join(batch, runtime, user, source, now, item.traceparent());
                        }
                        UserState state = batch.state(user);
                        batch.apply(user, runtime.onEvent(state, capped(state, event), now), item.traceparent());
                    }
                    case Item.Delivery d
                    when d.handoff() != null ->
                        batch.handoffReport(new ConversationLog.Report(
                                batch.resolve(d.userId()),
                                d.handoff().conversation(),
                                d.handoff().destination(),
                                d.handoff().ticket(),
                                d.report().status(),
                                d.report().detail(),
                                d.report().messageId(),
                                now));
                    case Item.Delivery d -> {
                        String user = batch.resolve(d.userId());
                        batch.apply(user, runtime.onDelivery(batch.state(user), d.report(), now), item.traceparent());
                        if (d.broadcast() != null) {
                            batch.broadcastReport(
                                    d.broadcast(), user, d.report().status());
                        }
                    }
                    case Item.Conversation w -> {
                        String user = batch.resolve(w.written().userId());
                        Records.Written written = w.written();
                        if (written.isAnswer()) {
                            batch.conversation(user, written, null, Map.of(), teammate(live, written.author()));
                        } else {
                            batch.conversation(
                                    user,
                                    written,
                                    route(live, written, batch.state(user), now),
                                    live.routes().destinations(),
                                    null);
                        }
                    }
                    case Item.Unreadable u -> {
                        deadLetter(batch, item, u.reason());
                        dead++;
                    }
                    case Item.Ignored i -> none++;
                }
            }
            batch.write(c, now);
            droppedFor.removeAll(appliedFor);
            erasures.forget(c, droppedFor);
            Map<TopicPartition, Long> next = new HashMap<>();
            ranges.forEach((tp, range) -> next.put(tp, range[1] + 1));
            offsets.advance(c, next);
            applied.increment(fresh.size() - dead - none - repeated - gone);
            if (gone > 0) {
                meters.counter("onramp.engine.records", "outcome", "user-erased")
                        .increment(gone);
                LOG.infof("%d record(s) about erased users, sent before their erasure, dropped", gone);
            }
            ignored.increment(none);
            if (repeated > 0) {
                duplicates.increment(repeated);
                LOG.infof(
                        "%d event(s) had a message id applied within the last %s (a call sent again); not applied"
                                + " twice",
                        repeated, config.dedupe().window());
            }
            if (behind > 0) {
                skipped.increment(behind);
                LOG.infof(
                        "%d record(s) were applied already (by another instance, around a rebalance); skipped", behind);
            }
            if (dead > 0) {
                parked("unreadable").increment(dead);
            }
            if (batch.hasOutbox()) {
                relay.afterCommit();
            }
        }
    }

    /**
     * Who signs a help desk agent's answer: the teammate of team.yaml with their email, or the agent as the help desk
     * names them.
     */
    private static Teammate teammate(JourneyRegistry.Live live, Records.Author author) {
        return live.team().teammates().stream()
                .filter(t -> t.email().equalsIgnoreCase(author.email()))
                .findFirst()
                .orElse(new Teammate("agent:" + author.name(), author.name(), "Support", author.email(), null, null));
    }

    /** Where a conversation goes if this message opens it: the first rule of routes.yaml that holds. */
    private static Routes.Routed route(JourneyRegistry.Live live, Records.Written w, UserState state, Instant now) {
        return live.routes()
                .route(
                        new Routes.Written(
                                w.text(), w.category(), w.channel(), w.kind(), w.journey(), w.step(), w.broadcast()),
                        w.userId(),
                        state == null ? Map.of() : state.profile().traits(),
                        now);
    }

    /**
     * The events and delivery reports of the batch to apply, each once: those whose message id (for a report: message
     * id, status and time) this user has not had applied within the dedupe window, remembered now in the batch's
     * transaction; null when the check is off.
     */
    private Set<SeenMessages.Key> firstSightings(Connection c, List<Item> items, Instant now) throws SQLException {
        if (config.dedupe().window().isZero()) {
            return null;
        }
        List<SeenMessages.Key> keys = new ArrayList<>(items.size());
        for (Item item : items) {
            if (item.content() instanceof Item.Event e && identified(e)) {
                keys.add(key(e));
            } else if (item.content() instanceof Item.Delivery d && identified(d)) {
                keys.add(key(d));
            }
        }
        return seen.firstSightings(c, keys, now, now.minus(config.dedupe().window()));
    }

    /** An event the contract's message id names (a record from elsewhere may lack one: it is applied, unchecked). */
    private static boolean identified(Item.Event e) {
        return e.event().messageId() != null && e.event().userId() != null;
    }

    private static SeenMessages.Key key(Item.Event e) {
        return new SeenMessages.Key(e.event().userId(), e.event().messageId());
    }

    /**
     * A delivery report that says when it happened. The outbox relay of message-dispatch sends a report again when it
     * crashed before Kafka's acknowledgement was recorded; applied twice, the journey log would tell it twice (seen in
     * FailoverIT) and a later repeat could even set an older status again.
     */
    private static boolean identified(Item.Delivery d) {
        return d.at() != null && d.userId() != null;
    }

    private static SeenMessages.Key key(Item.Delivery d) {
        return new SeenMessages.Key(
                d.userId(),
                "delivery " + d.report().messageId() + " " + d.report().status() + " " + d.at());
    }

    /**
     * Adds the users that anonymous profiles among the loaded ones were joined to: a call still sent under such an
     * id, or a delivery report of a message sent to it, changes their state. Locked after the others, out of order: two
     * transactions that take the same locks the other way round make PostgreSQL stop one with a deadlock, which is
     * transient, and the batch is applied again.
     */
    private StateStore.Loaded withJoinedUsers(Connection c, StateStore.Loaded loaded) throws SQLException {
        Set<String> missing = new LinkedHashSet<>();
        for (StateStore.Row row : loaded.rows().values()) {
            if (row.mergedInto() != null && !loaded.states().containsKey(row.mergedInto())) {
                missing.add(row.mergedInto());
            }
        }
        return missing.isEmpty() ? loaded : loaded.plus(store.lockAndLoad(c, missing));
    }

    /**
     * Joins the profile {@code source} (an identify call's anonymousId, an alias call's previousId) to {@code user}:
     * an anonymous profile only. A user's own profile is never joined to another user, whatever a call says: a browser
     * page could otherwise take over someone else's journeys and messages with one alias call.
     */
    private void join(Batch batch, JourneyRuntime runtime, String user, String source, Instant now, String trace) {
        StateStore.Row row = batch.row(source);
        if (row != null && user.equals(row.mergedInto())) {
            joins("already-joined").increment();
        } else if (row != null && row.mergedInto() != null) {
            joins("joined-to-another").increment();
            LOG.infof(
                    "'%s' was joined to user %s before; a call joining it to %s changes nothing",
                    source, row.mergedInto(), user);
        } else if (row != null && !row.anonymous()) {
            joins("refused-known").increment();
            LOG.warnf(
                    "a call would join user '%s' to user %s; only an anonymous profile is joined to a user, so both"
                            + " stay as they are",
                    source, user);
        } else {
            batch.merge(runtime.merge(batch.state(user), batch.state(source), now), trace);
            joins("joined").increment();
        }
    }

    private Counter joins(String outcome) {
        return Counter.builder("onramp.engine.identity.joins")
                .description("Identify and alias calls naming an id to join to their user, by what became of it")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** Parks one record that cannot be applied: to its dead-letter topic with why, its offset consumed. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void park(Item item, Throwable why) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            long next = offsets.lock(c, List.of(item.topicPartition())).getOrDefault(item.topicPartition(), 0L);
            if (item.offset() < next) {
                return;
            }
            Batch batch = new Batch(store, records, config.topics().messageRequests(), StateStore.Loaded.none());
            String reason = "cannot be applied: " + Failures.describe(why);
            deadLetter(batch, item, reason);
            batch.write(c, clock.instant());
            offsets.advance(c, Map.of(item.topicPartition(), item.offset() + 1));
            parked(Failures.category(why)).increment();
            LOG.warnf(
                    "parked %s-%d@%d (user %s) on the dead-letter topic: %s",
                    item.topic(), item.partition(), item.offset(), item.key(), reason);
            relay.afterCommit();
        }
    }

    private UserEvent capped(UserState state, UserEvent event) {
        if (!"identify".equals(event.type()) || event.traits().isEmpty()) {
            return event;
        }
        TraitLimits.Capped capped = limits.cap(state.profile().traits(), event.traits(), json);
        if (capped.refused().isEmpty()) {
            return event;
        }
        refusedTraits.increment(capped.refused().size());
        LOG.warnf(
                "user %s: %d trait(s) of an identify call refused: %s",
                event.userId(), capped.refused().size(), String.join("; ", capped.refused()));
        return event.withTraits(capped.traits());
    }

    private void deadLetter(Batch batch, Item item, String reason) {
        batch.deadLetter(
                item.topic(), item.partition(), item.offset(), item.key(), item.value(), reason, item.traceparent());
    }

    private Counter parked(String reason) {
        return meters.counter("onramp.engine.parked", "stage", "events", "reason", reason);
    }

    /** For each partition, the first and last offset among the items. */
    private static Map<TopicPartition, long[]> ranges(List<Item> items) {
        Map<TopicPartition, long[]> ranges = new HashMap<>();
        for (Item item : items) {
            long[] range =
                    ranges.computeIfAbsent(item.topicPartition(), k -> new long[] {item.offset(), item.offset()});
            range[0] = Math.min(range[0], item.offset());
            range[1] = Math.max(range[1], item.offset());
        }
        return ranges;
    }

    private static void warnOfGaps(Map<TopicPartition, Long> stored, List<Item> fresh) {
        Map<TopicPartition, Long> firstFresh = new HashMap<>();
        for (Item item : fresh) {
            firstFresh.merge(item.topicPartition(), item.offset(), Math::min);
        }
        firstFresh.forEach((tp, first) -> {
            Long next = stored.get(tp);
            if (next != null && first > next) {
                LOG.warnf(
                        "%s has no readable record between offsets %d and %d (retention, compaction or transaction"
                                + " markers); going on from %d",
                        tp, next, first - 1, first);
            }
        });
    }
}
