package dev.onramp.pipeline;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Tells Kafka how far a channel's consumer has come, for lag monitoring only: the offsets that count are in
 * PostgreSQL ({@link Offsets}), and Kafka's are never ahead of them, so a consumer that falls back on Kafka's reads
 * again what it then skips. At most once per interval, the newest offsets of everything processed since: a commit
 * after every batch made one request to the broker per batch, and at a few records per batch that was a good part
 * of the broker's work. What was processed last is committed within an interval, so an idle consumer shows no lag.
 */
public final class LagCommits {

    private static final Logger LOG = Logger.getLogger(LagCommits.class);

    private final KafkaClientService kafka;
    private final String channel;
    private final Duration interval;
    private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
    private boolean scheduled;

    public LagCommits(KafkaClientService kafka, String channel, Duration interval) {
        this.kafka = kafka;
        this.channel = channel;
        this.interval = interval;
    }

    /** These records are processed (their effects committed in PostgreSQL): Kafka hears of it within the interval. */
    public void processed(ConsumerRecords<?, ?> polled) {
        synchronized (this) {
            for (TopicPartition tp : polled.partitions()) {
                pending.put(
                        tp, new OffsetAndMetadata(polled.records(tp).getLast().offset() + 1));
            }
            if (scheduled || pending.isEmpty()) {
                return;
            }
            scheduled = true;
        }
        Uni.createFrom()
                .voidItem()
                .onItem()
                .delayIt()
                .by(interval)
                .subscribe()
                .with(ignored -> commit(), failure -> commit());
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets;
        synchronized (this) {
            offsets = new HashMap<>(pending);
            pending.clear();
            scheduled = false;
        }
        KafkaConsumer<Object, Object> consumer = kafka.getConsumer(channel);
        if (consumer == null || offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets)
                .subscribe()
                .with(
                        ok -> {},
                        failure -> LOG.debugf(
                                "committing offsets of %s to Kafka (monitoring only) failed: %s", channel, failure));
    }
}
