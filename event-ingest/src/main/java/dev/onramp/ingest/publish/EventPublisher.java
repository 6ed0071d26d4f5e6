package dev.onramp.ingest.publish;

import dev.onramp.ingest.IngestConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
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

    private final IngestConfig config;
    private final Map<String, Object> kafkaConfig;
    private volatile KafkaProducer<String, byte[]> producer;

    EventPublisher(IngestConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.config = config;
        this.kafkaConfig = kafkaConfig;
    }

    void start(@Observes StartupEvent ignored) {
        ensureTopic();
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "event-ingest");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }

    /** One record to write: the key is the user, the value the normalised event. */
    public record Outgoing(String key, byte[] value, String traceparent) {}

    /** Completes when Kafka acknowledged every record, or exceptionally when any could not be written. */
    public CompletableFuture<Void> publish(List<Outgoing> records) {
        CompletableFuture<?>[] acks = new CompletableFuture<?>[records.size()];
        for (int i = 0; i < records.size(); i++) {
            Outgoing outgoing = records.get(i);
            CompletableFuture<Void> ack = new CompletableFuture<>();
            acks[i] = ack;
            ProducerRecord<String, byte[]> record =
                    new ProducerRecord<>(config.topic(), null, outgoing.key(), outgoing.value());
            record.headers()
                    .add(new RecordHeader("traceparent", outgoing.traceparent().getBytes(StandardCharsets.US_ASCII)));
            try {
                producer.send(record, (metadata, error) -> {
                    if (error == null) {
                        ack.complete(null);
                    } else {
                        ack.completeExceptionally(error);
                    }
                });
            } catch (RuntimeException e) {
                // send() itself fails when it cannot get metadata or buffer space within max.block.ms.
                ack.completeExceptionally(e);
            }
        }
        return CompletableFuture.allOf(acks);
    }

    private void ensureTopic() {
        try (Admin admin = Admin.create(kafkaConfig)) {
            NewTopic topic = new NewTopic(config.topic(), config.topicPartitions(), config.topicReplicationFactor());
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            LOG.infof("created topic %s with %d partitions", config.topic(), config.topicPartitions());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + config.topic(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + config.topic(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within 30 s while creating " + config.topic(), e);
        }
    }
}
