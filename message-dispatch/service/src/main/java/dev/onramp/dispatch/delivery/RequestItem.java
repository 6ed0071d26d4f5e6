package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.handoff.Handoff;
import dev.onramp.dispatch.ledger.DeliveryRequest;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumed message request, read once: the request to deliver to the user, a hand-off of a conversation to a
 * destination, or why it is neither.
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
        Handoff handoff,
        String invalid) {

    /** The user it is about, once read; null when it could not be. */
    String userId() {
        return request != null ? request.userId() : handoff != null ? handoff.userId() : null;
    }

    TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
