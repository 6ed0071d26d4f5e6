package dev.onramp.engine.state;

import dev.onramp.engine.state.StateStore.OutboxRecord;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.run.Decision;
import dev.onramp.journey.run.MessageRequest;
import dev.onramp.journey.run.Outcome;
import dev.onramp.journey.run.UserState;
import dev.onramp.pipeline.Storable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * Parks a record on {@code <topic>.dlq}: its key and value as they were, why, and where it came from in the
     * headers ({@code onramp-dlq-reason}, {@code -topic}, {@code -partition}, {@code -offset}).
     */
    public void deadLetter(
            String topic, int partition, long offset, String key, byte[] value, String reason, String traceparent) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("onramp-dlq-reason", Storable.text(reason, 2_000));
        headers.put("onramp-dlq-topic", topic);
        headers.put("onramp-dlq-partition", Integer.toString(partition));
        headers.put("onramp-dlq-offset", Long.toString(offset));
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
        store.save(c, loaded, states, now);
        store.appendDecisions(c, decisions);
        store.enqueue(c, outbox, now);
    }

    public boolean hasOutbox() {
        return !outbox.isEmpty();
    }
}
