package dev.onramp.engine.state;

import dev.onramp.engine.state.StateStore.OutboxRecord;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.model.Teammate;
import dev.onramp.journey.route.Routes;
import dev.onramp.journey.run.Decision;
import dev.onramp.journey.run.Merge;
import dev.onramp.journey.run.MessageRequest;
import dev.onramp.journey.run.Outcome;
import dev.onramp.journey.run.UserState;
import dev.onramp.pipeline.DeadLetters;
import dev.onramp.pipeline.Storable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The work of one transaction over many users: their states as loaded, the outcomes applied in order, and, at the
 * end, one write of what changed, the decisions and the messages.
 */
public final class Batch {

    private final StateStore store;
    private final Records records;
    private final String requestsTopic;
    private final StateStore.Loaded loaded;
    private final Map<String, UserState> states;
    private final List<Decision> decisions = new ArrayList<>();
    private final List<OutboxRecord> outbox = new ArrayList<>();
    private final Map<String, StateStore.Row> rows = new HashMap<>();
    private final Set<String> rewritten = new HashSet<>();
    private final List<Merge> merges = new ArrayList<>();
    private final List<StateStore.BroadcastReport> broadcastReports = new ArrayList<>();
    private final List<ConversationLog.Entry> written = new ArrayList<>();
    private final List<ConversationLog.Report> handoffReports = new ArrayList<>();
    private int messages;

    public Batch(StateStore store, Records records, String requestsTopic, StateStore.Loaded loaded) {
        this.store = store;
        this.records = records;
        this.requestsTopic = requestsTopic;
        this.loaded = loaded;
        this.states = new HashMap<>(loaded.states());
    }

    public UserState state(String userId) {
        return states.get(userId);
    }

    /** What the id's profile row says now, or null when it has none. */
    public StateStore.Row row(String id) {
        return rows.containsKey(id) ? rows.get(id) : loaded.rows().get(id);
    }

    /** Whose state a call under this id changes: the user an anonymous profile was joined to, or the id's own. */
    public String resolve(String id) {
        StateStore.Row row = row(id);
        return row != null && row.mergedInto() != null ? row.mergedInto() : id;
    }

    /**
     * A call named this id as its userId: the profile is a user's from now on. One that was joined to another user
     * begins anew, with its own (empty) state.
     */
    public void known(String id) {
        StateStore.Row row = row(id);
        if (row != null && !row.equals(StateStore.Row.KNOWN)) {
            rows.put(id, StateStore.Row.KNOWN);
        }
    }

    /**
     * Applies a join: the user gets the merged state; the anonymous profile stays behind, empty, pointing at them; the
     * journey log written so far, stored and in this batch, follows the enrollments it is about.
     */
    public void merge(Merge merge, String traceparent) {
        decisions.replaceAll(merge::relabel);
        apply(merge.into(), merge.outcome(), traceparent);
        states.put(merge.from(), UserState.empty(merge.from()));
        rows.put(merge.from(), new StateStore.Row(true, merge.into()));
        rows.put(merge.into(), StateStore.Row.KNOWN);
        rewritten.add(merge.from());
        rewritten.add(merge.into());
        merges.add(merge);
    }

    public void apply(String userId, Outcome outcome, String traceparent) {
        states.put(userId, outcome.state());
        decisions.addAll(outcome.decisions());
        for (MessageRequest m : outcome.messages()) {
            Map<String, String> headers = traceparent == null ? Map.of() : Map.of("traceparent", traceparent);
            outbox.add(new OutboxRecord(
                    requestsTopic, m.userId(), records.messageRequest(m).getBytes(StandardCharsets.UTF_8), headers));
            messages++;
        }
    }

    /** What dispatch reported of a broadcast's message to the user: counted in the broadcast's funnel. */
    public void broadcastReport(String broadcast, String userId, String status) {
        broadcastReports.add(new StateStore.BroadcastReport(broadcast, userId, status));
    }

    /**
     * What the user wrote back: recorded in its conversation and their journey log (once, however often it comes); a
     * conversation it opens goes where {@code routed} says.
     */
    public void conversation(
            String userId,
            Records.Written message,
            Routes.Routed routed,
            Map<String, Routes.Destination.Kind> destinations,
            Teammate answeredBy) {
        Records.Written theirs = message.of(userId);
        UserState state = states.get(userId);
        written.add(new ConversationLog.Entry(
                theirs,
                routed,
                destinations,
                state == null ? Map.of() : state.profile().traits(),
                answeredBy));
    }

    /** What message-dispatch said of handing a conversation's message to a destination. */
    public void handoffReport(ConversationLog.Report report) {
        handoffReports.add(report);
    }

    /**
     * Parks a record on {@code <topic>.dlq}: its key and value as they were, why, and where it came from in the
     * headers ({@link DeadLetters}).
     */
    public void deadLetter(
            String topic, int partition, long offset, String key, byte[] value, String reason, String traceparent) {
        Map<String, String> headers = DeadLetters.headers(reason, topic, partition, offset);
        if (traceparent != null) {
            headers.put("traceparent", Storable.text(traceparent, 100));
        }
        outbox.add(new OutboxRecord(
                topic + ".dlq",
                key == null ? "" : Storable.text(key, 1_000),
                value == null ? new byte[0] : value,
                headers));
    }

    public int messages() {
        return messages;
    }

    public int decisions() {
        return decisions.size();
    }

    public void write(Connection c, Instant now) throws SQLException {
        JourneyCounts.Delta counts = store.save(c, loaded, states, rows, rewritten, now);
        for (Merge merge : merges) {
            store.relabel(c, merge);
        }
        ConversationLog.Recorded recorded = ConversationLog.record(c, written);
        decisions.addAll(recorded.lines());
        for (ConversationLog.Handoff h : recorded.handoffs()) {
            outbox.add(new OutboxRecord(
                    requestsTopic,
                    h.written().userId(),
                    records.handoff(new Records.HandoffRequest(
                                    h.written(),
                                    h.destination(),
                                    h.kind().wireName(),
                                    h.first(),
                                    h.where().route(),
                                    h.where().team(),
                                    h.where().priority(),
                                    h.where().assignee(),
                                    h.where().tags(),
                                    h.traits()))
                            .getBytes(StandardCharsets.UTF_8),
                    Map.of()));
        }
        decisions.addAll(ConversationLog.report(c, handoffReports));
        for (ConversationLog.Answer a : recorded.answers()) {
            Object locale = a.traits().get("locale");
            outbox.add(new OutboxRecord(
                    requestsTopic,
                    a.written().userId(),
                    records.answer(
                                    a.messageId(),
                                    a.written().conversationId(),
                                    a.written().userId(),
                                    a.written().channel(),
                                    a.written().text(),
                                    a.teammate(),
                                    a.traits(),
                                    locale instanceof String l ? l : null,
                                    a.written().at())
                            .getBytes(StandardCharsets.UTF_8),
                    Map.of()));
        }
        store.appendDecisions(c, decisions);
        store.recordBroadcastReports(c, broadcastReports, now);
        store.enqueue(c, outbox, now);
        // Last: the counters' rows are the only locks shared by transactions of different users.
        counts.apply(c);
    }

    public boolean hasOutbox() {
        return !outbox.isEmpty();
    }
}
