package dev.onramp.pipeline;

import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Moves a channel's consumer to the offsets stored in PostgreSQL ({@link Offsets}) whenever it is given partitions.
 * Runs on the channel's polling thread, before anything of those partitions is fetched. Each service subclasses it as
 * a bean named in its channel's {@code consumer-rebalance-listener.name}.
 */
public class SeekToStoredOffsets implements KafkaConsumerRebalanceListener {
    private static final Logger LOG = Logger.getLogger(SeekToStoredOffsets.class);

    private final Offsets offsets;

    protected SeekToStoredOffsets(Offsets offsets) {
        this.offsets = offsets;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> stored;
        try {
            stored = offsets.stored(partitions);
        } catch (SQLException | RuntimeException e) {
            // Safe to go on: the consumer then starts from Kafka's committed offset, which is never ahead of the
            // stored one, and what it reads again below the stored offset is skipped.
            LOG.warnf("cannot read the stored offsets of %s (%s); starting from Kafka's and skipping", partitions, e);
            return;
        }
        for (TopicPartition tp : partitions) {
            Long offset = stored.get(tp);
            if (offset != null) {
                consumer.seek(tp, offset);
            }
        }
        LOG.infof("consuming %s from the stored offsets %s", partitions, stored);
    }
}
