package dev.onramp.engine.progress;

import dev.onramp.engine.wire.Records;
import dev.onramp.journey.run.DeliveryReport;
import dev.onramp.journey.run.UserEvent;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumed record and what it says, read once.
 *
 * @param timestamp when it was written to Kafka (epoch milliseconds): a record about a user erased after it is dropped
 * @param traceparent the W3C trace context it carried, passed on to what it causes
 */
record Item(
        String topic,
        int partition,
        long offset,
        long timestamp,
        String key,
        byte[] value,
        String traceparent,
        Content content) {

    /** What a record says. */
    sealed interface Content {}

    /** A user event that some journey reacts to, or an identify call. */
    record Event(UserEvent event) implements Content {}

    /**
     * A delivery report from message-dispatch about one of the user's messages.
     *
     * @param at when message-dispatch says it happened; with the message id and status it names the report
     * @param broadcast the broadcast the message is of; null for a journey's message
     * @param handoff for a conversation's message handed to a destination: which, and its ticket; null otherwise
     */
    record Delivery(String userId, DeliveryReport report, String at, String broadcast, Records.HandoffReport handoff)
            implements Content {}

    /** Something the user wrote back: a reply or feedback ({@code onramp.conversations}). */
    record Conversation(Records.Written written) implements Content {}

    /** A record that does not follow its contract: it goes to the dead-letter topic with this reason. */
    record Unreadable(String reason) implements Content {}

    /** An event no journey reacts to: consumed, nothing else. */
    record Ignored() implements Content {}

    TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    /** The user whose state this item changes, or null. */
    String userId() {
        return switch (content) {
            case Event e -> e.event().userId();
            case Delivery d -> d.userId();
            case Conversation w -> w.written().userId();
            case Unreadable u -> null;
            case Ignored i -> null;
        };
    }
}
