package dev.onramp.bench;

import dev.onramp.infra.TopicReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Where an end-to-end message's time went, hop by hop, found by the trace context it carried: the bench POSTs each
 * sampled event with its own {@code traceparent}; event-ingest writes it on the event record, the engine on the
 * message request it causes, and the message id of that request leads to the delivery and the inbox message in
 * message-dispatch's tables. Every stamp is this machine's wall clock (milliseconds for Kafka's record times).
 */
final class Hops {

    /** The hops in order, each from the stamp before it. */
    static final List<String> NAMES = List.of(
            "ingest: POST → event in Kafka",
            "engine: event in Kafka → applied",
            "engine: applied → request in Kafka",
            "dispatch: request in Kafka → stored",
            "dispatch: stored → in the inbox",
            "stream: in the inbox → SSE event");

    /** One sampled message: the POST's wall-clock time, the SSE event's, and the trace id it was sent with. */
    record Sample(String traceId, long postedMillis, long arrivedMillis) {}

    private Hops() {}

    /** A new {@code traceparent} whose trace id is this sample's; sampled, so any tracer along the way keeps it. */
    static String traceparent(String traceId) {
        return "00-" + traceId + "-" + traceId.substring(0, 16) + "-01";
    }

    /**
     * The hops of these samples: p50 and p99 of each, in milliseconds, and how many samples every stamp was found for.
     */
    static String table(Collection<Sample> samples, String bootstrap, String jdbcUrl, String user, String password)
            throws Exception {
        Map<String, Long> events = recordTimes(bootstrap, "onramp.events", null);
        Map<String, String> messageIds = new HashMap<>();
        Map<String, Long> requests = recordTimes(bootstrap, "onramp.message-requests", messageIds);
        Map<String, long[]> rows = new HashMap<>();
        try (Connection db = DriverManager.getConnection(jdbcUrl, user, password);
                PreparedStatement ps = db.prepareStatement("""
                        SELECT d.message_id,
                               extract(epoch FROM e.at) * 1000,
                               extract(epoch FROM d.created_at) * 1000,
                               extract(epoch FROM i.created_at) * 1000
                          FROM dispatch.deliveries d
                          JOIN dispatch.inbox_messages i ON i.message_id = d.message_id
                          JOIN (SELECT message_id, min(at) AS at FROM engine.decisions
                                 WHERE message_id = ANY(?) GROUP BY message_id) e ON e.message_id = d.message_id
                         WHERE d.message_id = ANY(?)
                        """)) {
            java.sql.Array ids = db.createArrayOf("text", messageIds.values().toArray());
            ps.setArray(1, ids);
            ps.setArray(2, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new long[] {
                        Math.round(rs.getDouble(2)), Math.round(rs.getDouble(3)), Math.round(rs.getDouble(4))
                    });
                }
            }
        }
        List<List<Double>> hops = new ArrayList<>();
        NAMES.forEach(n -> hops.add(new ArrayList<>()));
        int complete = 0;
        for (Sample s : samples) {
            Long event = events.get(s.traceId());
            Long request = requests.get(s.traceId());
            long[] row = rows.get(messageIds.get(s.traceId()));
            if (event == null || request == null || row == null) {
                continue;
            }
            complete++;
            long[] stamps = {s.postedMillis(), event, row[0], request, row[1], row[2], s.arrivedMillis()};
            for (int i = 0; i < NAMES.size(); i++) {
                hops.get(i).add((double) (stamps[i + 1] - stamps[i]));
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("  per hop (%d of %d samples traced end to end): ", complete, samples.size()));
        for (int i = 0; i < NAMES.size(); i++) {
            List<Double> hop = hops.get(i);
            Collections.sort(hop);
            out.append(String.format(
                    "%n    %-38s p50 %5.0f ms   p99 %5.0f ms",
                    NAMES.get(i), Measure.quantile(hop, 0.5), Measure.quantile(hop, 0.99)));
        }
        return out.toString();
    }

    /**
     * The record time of each record of a topic by the trace id of its {@code traceparent}; with {@code messageIds},
     * also the message id each record's value names.
     */
    private static Map<String, Long> recordTimes(String bootstrap, String topic, Map<String, String> messageIds) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        Map<String, Long> times = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    Header header = record.headers().lastHeader("traceparent");
                    if (header == null) {
                        continue;
                    }
                    String traceId = new String(header.value(), StandardCharsets.US_ASCII).substring(3, 35);
                    times.putIfAbsent(traceId, record.timestamp());
                    if (messageIds != null && record.value() != null) {
                        messageIds.putIfAbsent(traceId, TopicReader.messageIdOf(record.value()));
                    }
                }
            }
        }
        return times;
    }
}
