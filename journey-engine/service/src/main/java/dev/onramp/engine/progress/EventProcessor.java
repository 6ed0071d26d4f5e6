package dev.onramp.engine.progress;

import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.Kafka;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.outbox.OutboxRelay;
import dev.onramp.engine.state.Batch;
import dev.onramp.engine.state.StateStore;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.run.DeliveryReport;
import dev.onramp.journey.run.JourneyRuntime;
import dev.onramp.journey.run.UserEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Consumes user events and delivery reports. Each poll is one PostgreSQL transaction: the users concerned are
 * locked, every record applied in order, the new state, the decisions, the messages (outbox) and the consumed
 * offsets committed together. Offsets live in PostgreSQL, so a crash at any point neither loses nor repeats an
 * effect; a partition that moved to another instance mid-batch makes the batch roll back rather than apply twice.
 */
@ApplicationScoped
public class EventProcessor {

    private static final Logger LOG = Logger.getLogger(EventProcessor.class);

    private final EngineConfig config;
    private final Kafka kafka;
    private final JourneyRegistry registry;
    private final StateStore store;
    private final Records records;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final OutboxRelay relay;
    private final Counter events;
    private final Counter ignored;
    private final Counter deadLettered;
    private final Timer batchTime;
    private volatile boolean running;
    private volatile boolean assigned;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    EventProcessor(
            EngineConfig config,
            Kafka kafka,
            JourneyRegistry registry,
            StateStore store,
            Records records,
            DataSource dataSource,
            InstantSource clock,
            OutboxRelay relay,
            MeterRegistry meters) {
        this.config = config;
        this.kafka = kafka;
        this.registry = registry;
        this.store = store;
        this.records = records;
        this.dataSource = dataSource;
        this.clock = clock;
        this.relay = relay;
        this.events = Counter.builder("onramp.engine.records")
                .tag("outcome", "applied")
                .register(meters);
        this.ignored = Counter.builder("onramp.engine.records")
                .tag("outcome", "no-journey")
                .register(meters);
        this.deadLettered = Counter.builder("onramp.engine.records")
                .tag("outcome", "dead-lettered")
                .register(meters);
        this.batchTime = Timer.builder("onramp.engine.batch")
                .description("One poll's transaction")
                .register(meters);
    }

    void start(@Observes @Priority(20) StartupEvent ignoredEvent) {
        kafka.ensureTopics();
        Map<String, Object> props = kafka.config();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.topics().group());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "journey-engine-events");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        running = true;
        thread = Thread.ofPlatform().name("event-processor").start(this::run);
    }

    void stop(@Observes ShutdownEvent ignoredEvent) {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        try {
            if (thread != null) {
                thread.join(15_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether this instance consumes: journeys are loaded and partitions assigned. */
    public boolean consuming() {
        return running && assigned;
    }

    private void run() {
        try {
            waitForJourneys();
            consumer.subscribe(List.of(config.topics().events(), config.topics().deliveryEvents()), new Rebalance());
            long backoff = 200;
            while (running) {
                ConsumerRecords<String, byte[]> polled = consumer.poll(Duration.ofMillis(200));
                if (polled.isEmpty()) {
                    continue;
                }
                try {
                    process(polled);
                    backoff = 200;
                } catch (StaleAssignment e) {
                    LOG.infof("%s; rolled back and re-reading from the stored offsets", e.getMessage());
                    seekToStored(consumer.assignment());
                } catch (SQLException | RuntimeException e) {
                    LOG.warnf(
                            "processing %d record(s) failed, retrying in %d ms: %s",
                            polled.count(), backoff, e.toString());
                    Thread.sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                    seekToStored(consumer.assignment());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("the event processor stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void waitForJourneys() throws InterruptedException {
        boolean said = false;
        while (running && registry.current().isEmpty()) {
            if (!said) {
                LOG.warn(
                        "no valid journeys loaded yet: events are not consumed until they are (see the journeys health check)");
                said = true;
            }
            Thread.sleep(500);
        }
    }

    private record Item(
            ConsumerRecord<String, byte[]> record,
            UserEvent event,
            DeliveryReport delivery,
            String error,
            String traceparent) {
        String userId() {
            return event != null ? event.userId() : record.key();
        }
    }

    void process(ConsumerRecords<String, byte[]> polled) throws SQLException, StaleAssignment {
        Timer.Sample sample = Timer.start();
        JourneyRuntime runtime = registry.current().orElseThrow().runtime();
        Instant now = clock.instant();
        List<Item> items = new ArrayList<>(polled.count());
        Set<String> users = new LinkedHashSet<>();
        Map<TopicPartition, long[]> ranges = new HashMap<>();
        int skipped = 0;
        for (ConsumerRecord<String, byte[]> record : polled) {
            ranges.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), k ->
                            new long[] {record.offset(), record.offset()})[1] =
                    record.offset();
            String trace = header(record, "traceparent");
            try {
                if (record.topic().equals(config.topics().deliveryEvents())) {
                    if (record.key() == null) {
                        throw new Records.Unreadable("a delivery event without a key (the user id)");
                    }
                    items.add(new Item(record, null, records.delivery(record.value()), null, trace));
                    users.add(record.key());
                } else {
                    UserEvent event = records.event(record.key(), record.value());
                    if (!"identify".equals(event.type()) && !runtime.reactsTo(event.name())) {
                        skipped++;
                        continue;
                    }
                    items.add(new Item(record, event, null, null, trace));
                    users.add(event.userId());
                }
            } catch (Records.Unreadable e) {
                items.add(new Item(record, null, null, e.getMessage(), trace));
            }
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                StateStore.Loaded loaded =
                        users.isEmpty() ? new StateStore.Loaded(Map.of(), Set.of()) : store.lockAndLoad(c, users);
                Batch batch = new Batch(store, records, config.topics().messageRequests(), loaded);
                int dead = 0;
                for (Item item : items) {
                    if (item.error() != null) {
                        batch.deadLetter(
                                item.record().topic(),
                                item.record().key(),
                                item.record().value(),
                                item.error(),
                                item.traceparent());
                        dead++;
                    } else if (item.event() != null) {
                        batch.apply(
                                item.userId(),
                                runtime.onEvent(batch.state(item.userId()), item.event(), now),
                                item.traceparent());
                    } else {
                        batch.apply(
                                item.userId(),
                                runtime.onDelivery(batch.state(item.userId()), item.delivery(), now),
                                item.traceparent());
                    }
                }
                batch.write(c, now);
                storeOffsets(c, ranges);
                c.commit();
                events.increment(items.size() - dead);
                ignored.increment(skipped);
                deadLettered.increment(dead);
                if (batch.hasOutbox()) {
                    relay.wake();
                }
            } catch (SQLException | RuntimeException | StaleAssignment e) {
                c.rollback();
                throw e;
            }
        } finally {
            sample.stop(batchTime);
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        ranges.forEach((tp, range) -> commit.put(tp, new OffsetAndMetadata(range[1] + 1)));
        // Only for lag monitoring: the offsets that count are the ones just committed in PostgreSQL.
        consumer.commitAsync(commit, null);
    }

    /** The batch's partitions moved on elsewhere since it was read. */
    static final class StaleAssignment extends Exception {
        StaleAssignment(String message) {
            super(message, null, false, false);
        }
    }

    private void storeOffsets(Connection c, Map<TopicPartition, long[]> ranges) throws SQLException, StaleAssignment {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO consumer_offsets (topic, partition, next_offset) VALUES (?, ?, ?)
                ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset
                WHERE consumer_offsets.next_offset = ?""")) {
            for (var entry : ranges.entrySet()) {
                ps.setString(1, entry.getKey().topic());
                ps.setInt(2, entry.getKey().partition());
                ps.setLong(3, entry.getValue()[1] + 1);
                ps.setLong(4, entry.getValue()[0]);
                if (ps.executeUpdate() != 1) {
                    throw new StaleAssignment("partition " + entry.getKey() + " was consumed past offset "
                            + entry.getValue()[0] + " by another instance");
                }
            }
        }
    }

    private void seekToStored(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> stored = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT topic, partition, next_offset FROM consumer_offsets")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the stored offsets", e);
        }
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long offset = stored.get(tp);
            if (offset == null) {
                fromStart.add(tp);
            } else {
                consumer.seek(tp, offset);
            }
        }
        if (!fromStart.isEmpty()) {
            consumer.seekToBeginning(fromStart);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            assigned = !consumer.assignment().isEmpty();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            seekToStored(partitions);
            assigned = true;
            LOG.infof("consuming %s", partitions);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
    }
}
