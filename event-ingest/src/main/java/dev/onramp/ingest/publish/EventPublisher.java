package dev.onramp.ingest.publish;

import dev.onramp.ingest.IngestConfig;
import dev.onramp.pipeline.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Writes accepted events to Kafka. Idempotent producer with {@code acks=all}: a completed future means the record is
 * replicated and will not be lost. Timeouts are bounded so an unreachable broker turns into a 503, never a hang.
 */
@ApplicationScoped
public class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    /** Unacknowledged bytes beyond which calls fail fast: three quarters of the producer's buffer. */
    static final long MAX_IN_FLIGHT_BYTES = 48L * 1024 * 1024;

    private final AtomicLong inFlightBytes = new AtomicLong();
    private final IngestConfig config;
    private final Map<String, Object> kafkaConfig;
    private volatile KafkaProducer<String, byte[]> producer;

    EventPublisher(IngestConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.config = config;
        this.kafkaConfig = kafkaConfig;
    }

    void start(@Observes StartupEvent ignored) {
        if (config.topicCreate()) {
            ensureTopic();
        }
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Bounded: an unreachable broker turns into 503 after produce-timeout, never into a hanging call.
        int deliveryMs = (int) Math.max(1_000, config.produceTimeout().toMillis());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(500, deliveryMs - 500));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryMs);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "event-ingest");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        // Fetch the topic's metadata now, so that no call waits for it. Each try waits max.block.ms (500 ms), which a
        // TLS and SASL handshake with a remote cluster can outlast; readiness reports a Kafka that stays away.
        Instant deadline = Instant.now().plusSeconds(15);
        while (true) {
            try {
                producer.partitionsFor(config.topic());
                break;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (Instant.now().isAfter(deadline)) {
                    LOG.warnf(
                            "no metadata of %s from Kafka yet (%s); the first calls may wait for it",
                            config.topic(), e.getMessage());
                    break;
                }
            }
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }

    /** One record to write: the key is the user, the value the normalised event. */
    public record Outgoing(String key, byte[] value, String traceparent) {}

    /**
     * Completes when Kafka acknowledged every record, or exceptionally when any could not be written. Never blocks:
     * when the records Kafka has not acknowledged yet fill most of the producer's buffer (the broker is slow or
     * gone), the call fails at once instead of waiting for space.
     */
    public CompletableFuture<Void> publish(List<Outgoing> records) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        long bytes = 0;
        for (Outgoing outgoing : records) {
            bytes += outgoing.value().length + outgoing.key().length() + 64;
        }
        if (inFlightBytes.addAndGet(bytes) > MAX_IN_FLIGHT_BYTES) {
            inFlightBytes.addAndGet(-bytes);
            all.completeExceptionally(new IllegalStateException("Kafka is not keeping up: "
                    + MAX_IN_FLIGHT_BYTES / (1024 * 1024) + " MB of events wait for its acknowledgement"));
            return all;
        }
        long size = bytes;
        AtomicInteger remaining = new AtomicInteger(records.size());
        AtomicBoolean failed = new AtomicBoolean();
        Callback callback = (metadata, error) -> {
            if (error != null && failed.compareAndSet(false, true)) {
                all.completeExceptionally(error);
            }
            if (remaining.decrementAndGet() == 0) {
                inFlightBytes.addAndGet(-size);
                all.complete(null);
            }
        };
        for (Outgoing outgoing : records) {
            ProducerRecord<String, byte[]> record =
                    new ProducerRecord<>(config.topic(), null, outgoing.key(), outgoing.value());
            record.headers()
                    .add(new RecordHeader("traceparent", outgoing.traceparent().getBytes(StandardCharsets.US_ASCII)));
            try {
                producer.send(record, callback);
            } catch (RuntimeException e) {
                // send() itself fails when it cannot get metadata within max.block.ms.
                callback.onCompletion(null, e);
            }
        }
        return all;
    }

    private void ensureTopic() {
        Topics.ensure(
                kafkaConfig,
                List.of(new NewTopic(config.topic(), config.topicPartitions(), config.topicReplicationFactor())));
    }
}
