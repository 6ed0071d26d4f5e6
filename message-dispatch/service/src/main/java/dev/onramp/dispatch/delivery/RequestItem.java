package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.ledger.DeliveryRequest;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumed message request, read once: the request, or why it is not one.
 *
 * @param raw the record's value as received, stored as it is
 */
record RequestItem(
        String topic, int partition, long offset, String key, String raw, DeliveryRequest request, String invalid) {

    TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
