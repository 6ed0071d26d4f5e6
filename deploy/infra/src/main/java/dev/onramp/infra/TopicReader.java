package dev.onramp.infra;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic from its beginning, for assertions: no consumer group, no committed offsets, nothing left behind. */
public final class TopicReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The top-level {@code messageId} of a record's JSON value, read as JSON: a property of that name deeper in the
     * record (an event's properties, a user's traits) is not it.
     *
     * @throws IllegalArgumentException when the value is not a JSON object with a text {@code messageId}
     */
    public static String messageIdOf(String value) {
        JsonNode id;
        try {
            id = JSON.readTree(value).path("messageId");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + value, e);
        }
        if (!id.isTextual()) {
            throw new IllegalArgumentException("no messageId in " + value);
        }
        return id.asText();
    }

    private TopicReader() {}

    /**
     * Waits until {@code count} records of {@code topic} match, then returns those; fails after {@code timeout}
     * with what it saw.
     */
    public static List<ConsumerRecord<String, String>> await(
            String bootstrapServers,
            String topic,
            Predicate<ConsumerRecord<String, String>> matching,
            int count,
            Duration timeout) {
        List<ConsumerRecord<String, String>> matches = new ArrayList<>();
        int seen = 0;
        Instant deadline = Instant.now().plus(timeout);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            while (partitions.isEmpty() && Instant.now().isBefore(deadline)) {
                consumer.partitionsFor(topic, Duration.ofSeconds(5))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen++;
                    if (matching.test(record)) {
                        matches.add(record);
                    }
                }
                if (matches.size() >= count) {
                    return matches;
                }
            }
        }
        throw new AssertionError("expected " + count + " matching record(s) on " + topic + " within " + timeout
                + ", found " + matches.size() + " among " + seen + ": " + matches);
    }

    /** Every record of {@code topic} that matches, after waiting {@code quiet} for late ones. */
    public static List<ConsumerRecord<String, String>> all(
            String bootstrapServers, String topic, Predicate<ConsumerRecord<String, String>> matching, Duration quiet) {
        List<ConsumerRecord<String, String>> matches = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Instant deadline = Instant.now().plus(quiet);
            while (Instant.now().isBefore(deadline)
                    || partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    if (matching.test(record)) {
                        matches.add(record);
                    }
                }
            }
        }
        return matches;
    }
}
