package dev.onramp.dispatch.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.Kafka;
import dev.onramp.dispatch.outbox.OutboxRelay;
import dev.onramp.templates.Channel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Consumes message requests into the {@code deliveries} table, one transaction per poll with the consumed offsets,
 * keyed by message id: a request that arrives twice is stored, and so delivered, once.
 */
@ApplicationScoped
public class RequestConsumer {

    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);

    private final DispatchConfig config;
    private final Kafka kafka;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final ObjectMapper json;
    private final DeliveryEvents events;
    private final DeliveryWorker worker;
    private final OutboxRelay relay;
    private final Counter accepted;
    private final Counter deadLettered;
    private volatile boolean running;
    private KafkaConsumer<String, String> consumer;
    private Thread thread;

    RequestConsumer(
            DispatchConfig config,
            Kafka kafka,
            DataSource dataSource,
            InstantSource clock,
            ObjectMapper json,
            DeliveryEvents events,
            DeliveryWorker worker,
            OutboxRelay relay,
            MeterRegistry meters) {
        this.config = config;
        this.kafka = kafka;
        this.dataSource = dataSource;
        this.clock = clock;
        this.json = json;
        this.events = events;
        this.worker = worker;
        this.relay = relay;
        this.accepted = Counter.builder("onramp.dispatch.requests")
                .tag("outcome", "accepted")
                .register(meters);
        this.deadLettered = Counter.builder("onramp.dispatch.requests")
                .tag("outcome", "dead-lettered")
                .register(meters);
    }

    void start(@Observes @Priority(20) StartupEvent ignored) {
        kafka.ensureTopics();
        Map<String, Object> props = kafka.config();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.topics().group());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "message-dispatch-requests");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        running = true;
        thread = Thread.ofPlatform().name("request-consumer").start(this::run);
    }

    void stop(@Observes ShutdownEvent ignored) {
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

    private void run() {
        try {
            consumer.subscribe(List.of(config.topics().messageRequests()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    seekToStored(partitions);
                }
            });
            long backoff = 200;
            while (running) {
                ConsumerRecords<String, String> polled = consumer.poll(Duration.ofMillis(200));
                if (polled.isEmpty()) {
                    continue;
                }
                try {
                    store(polled);
                    backoff = 200;
                } catch (SQLException | RuntimeException e) {
                    LOG.warnf(
                            "storing %d request(s) failed, retrying in %d ms: %s",
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
            LOG.error("the request consumer stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void store(ConsumerRecords<String, String> polled) throws SQLException {
        Instant now = clock.instant();
        Map<TopicPartition, long[]> ranges = new HashMap<>();
        int stored = 0;
        int dead = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("""
                    INSERT INTO deliveries (message_id, user_id, journey, step, channel, request, status, next_attempt_at, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?::jsonb, 'pending', ?, ?, ?) ON CONFLICT (message_id) DO NOTHING""")) {
                OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
                for (ConsumerRecord<String, String> record : polled) {
                    ranges.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), k ->
                                    new long[] {record.offset(), 0})[1] =
                            record.offset();
                    JsonNode request = parse(record.value());
                    String problem = problem(record.value(), request);
                    if (problem != null) {
                        events.deadLetter(c, record.topic(), record.key(), record.value(), problem, now);
                        dead++;
                        continue;
                    }
                    insert.setString(1, request.get("messageId").asText());
                    insert.setString(2, request.get("user").get("id").asText());
                    insert.setString(3, text(request, "journey"));
                    insert.setString(4, text(request, "step"));
                    insert.setString(5, request.get("channel").asText());
                    insert.setString(6, record.value());
                    insert.setObject(7, at);
                    insert.setObject(8, at);
                    insert.setObject(9, at);
                    insert.addBatch();
                    stored++;
                }
                if (stored > 0) {
                    insert.executeBatch();
                }
                storeOffsets(c, ranges);
                c.commit();
                accepted.increment(stored);
                deadLettered.increment(dead);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        worker.wake();
        if (dead > 0) {
            relay.wake();
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        ranges.forEach((tp, r) -> commit.put(tp, new OffsetAndMetadata(r[1] + 1)));
        consumer.commitAsync(commit, null);
    }

    /** The record as JSON, or null when it is not JSON. */
    private JsonNode parse(String value) {
        try {
            return value == null ? null : json.readTree(value);
        } catch (IOException e) {
            return null;
        }
    }

    /** Why a record does not follow the message-requests contract, or null. */
    private String problem(String value, JsonNode node) {
        if (value == null) {
            return "empty record";
        }
        if (node == null) {
            try {
                json.readTree(value);
                return "not JSON";
            } catch (IOException e) {
                return "not JSON: " + e.getMessage();
            }
        }
        if (!node.isObject()) {
            return "not a JSON object";
        }
        List<String> missing = new ArrayList<>();
        for (String field : List.of("messageId", "channel", "template")) {
            if (!node.hasNonNull(field)
                    || !node.get(field).isTextual()
                    || node.get(field).asText().isBlank()) {
                missing.add(field);
            }
        }
        if (!node.has("user") || !node.get("user").hasNonNull("id")) {
            missing.add("user.id");
        }
        if (!missing.isEmpty()) {
            return "missing " + String.join(", ", missing);
        }
        if (Channel.of(node.get("channel").asText()).isEmpty()) {
            return "unknown channel " + node.get("channel").asText();
        }
        return null;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private void storeOffsets(Connection c, Map<TopicPartition, long[]> ranges) throws SQLException {
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
                    throw new IllegalStateException("partition " + entry.getKey() + " was consumed past offset "
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
                        c.prepareStatement("SELECT topic, partition, next_offset FROM consumer_offsets");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                stored.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
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
}
