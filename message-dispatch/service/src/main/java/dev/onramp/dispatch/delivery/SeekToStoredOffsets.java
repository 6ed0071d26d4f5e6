package dev.onramp.dispatch.delivery;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Moves the consumer of the {@code dispatch-in} channel to the offsets stored in PostgreSQL whenever it is given
 * partitions. Runs on the channel's polling thread, before anything of those partitions is fetched.
 */
@ApplicationScoped
@Identifier(SeekToStoredOffsets.NAME)
public class SeekToStoredOffsets implements KafkaConsumerRebalanceListener {

    static final String NAME = "dispatch-offsets";
    private static final Logger LOG = Logger.getLogger(SeekToStoredOffsets.class);

    private final Offsets offsets;

    SeekToStoredOffsets(Offsets offsets) {
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
