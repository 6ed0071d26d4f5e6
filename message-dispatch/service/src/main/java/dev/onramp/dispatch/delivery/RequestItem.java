package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.ledger.DeliveryRequest;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumed message request, read once: the request, or why it is not one.
 *
 * @param timestamp when it was written to Kafka (epoch milliseconds): a request for a user erased after it is dropped
 * @param raw the record's value as received, stored as it is
 */
record RequestItem(
        String topic,
        int partition,
        long offset,
        long timestamp,
        String key,
        String raw,
        DeliveryRequest request,
        String invalid) {

    TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
