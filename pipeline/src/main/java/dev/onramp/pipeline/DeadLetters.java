package dev.onramp.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every parked record carries on {@code <topic>.dlq}, from every service: its key and value as they were, and in
 * its headers why ({@code onramp-dlq-reason}, at most 2,000 characters) and where it came from
 * ({@code onramp-dlq-topic}, and {@code onramp-dlq-partition} and {@code onramp-dlq-offset} when it was consumed).
 */
public final class DeadLetters {

    public static final String REASON = "onramp-dlq-reason";
    public static final String TOPIC = "onramp-dlq-topic";
    public static final String PARTITION = "onramp-dlq-partition";
    public static final String OFFSET = "onramp-dlq-offset";
    /** The size of the original value, when the parked copy had to be cut short. */
    public static final String SIZE = "onramp-dlq-size";

    private DeadLetters() {}

    /** The dead-letter topic of {@code topic}. */
    public static String topicOf(String topic) {
        return topic.endsWith(".dlq") ? topic : topic + ".dlq";
    }

    /**
     * The headers of a parked record.
     *
     * @param partition null for a record that was never consumed (one this service meant to publish)
     * @param offset null likewise
     */
    public static Map<String, String> headers(String reason, String topic, Integer partition, Long offset) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(REASON, Storable.text(reason, 2_000));
        headers.put(TOPIC, topic);
        if (partition != null) {
            headers.put(PARTITION, partition.toString());
        }
        if (offset != null) {
            headers.put(OFFSET, offset.toString());
        }
        return headers;
    }
}
