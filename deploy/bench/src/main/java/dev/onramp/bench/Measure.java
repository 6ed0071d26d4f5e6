package dev.onramp.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the benchmarks watch while a service works: Kafka end offsets, a number from PostgreSQL, elapsed time. */
final class Measure {

    private Measure() {}

    /** The q-quantile of sorted samples (nearest rank); NaN for none. */
    static double quantile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * Records written to a topic so far, over all its partitions, looked at again and again by one consumer: a new
     * consumer for every look (ten a second) would add its connections and metadata requests to the broker measured.
     */
    static final class TopicEnd implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final String topic;
        private List<TopicPartition> partitions = List.of();

        TopicEnd(String bootstrap, String topic) {
            this.consumer = new KafkaConsumer<>(
                    Map.of("bootstrap.servers", bootstrap), new StringDeserializer(), new StringDeserializer());
            this.topic = topic;
        }

        /** Not thread-safe: one caller at a time, as the consumer under it. */
        long records() {
            if (partitions.isEmpty()) {
                // The service under test may not have created the topic yet.
                partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList();
            }
            return consumer.endOffsets(partitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** The one text a query returns. */
    static String textQuery(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The one number a query returns, or -1 when it fails (a table that does not exist yet). */
    static long longQuery(Connection c, String sql) {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    /** When the condition first held, checked every 100 ms. */
    static Instant waitFor(Condition condition, Duration timeout, String what) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (condition.holds()) {
                return Instant.now();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("waited " + timeout + " for " + what + " in vain");
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }
}
