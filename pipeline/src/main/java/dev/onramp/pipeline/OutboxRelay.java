package dev.onramp.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaProducer;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Moves committed outbox rows to Kafka through a service's outgoing channel, oldest first, and deletes them once Kafka
 * acknowledged them. A crash between the two sends a row again: what the services publish is keyed by deterministic
 * ids, so a repeat changes nothing downstream. A row Kafka refuses for good (too large, for one) goes to its topic's
 * dead-letter topic instead, cut to a size Kafka takes, and is counted; it never blocks the rows after it. While Kafka
 * is away, the rows wait. With a linger, a relay woken after a round that was not full waits that long first, so that
 * records committed one by one share a round.
 *
 * <p>A round's records go to the channel's own producer in one hand-off ({@link KafkaProducer#runOnSendingThread});
 * the rare dead letters go through the channel's emitter. Sending each record as a reactive message cost the engine's
 * timer benchmark about a tenth of its throughput (ADR 0005).
 *
 * <p>Not a bean by itself: each service declares its relay over its own channel and settings, starts it when the
 * service starts and stops it when it stops.
 */
public class OutboxRelay {

    /**
     * A relay's channel and pace.
     *
     * @param channel the outgoing channel whose producer and emitter carry the records
     * @param parkedMetric the counter of records dead-lettered, tagged {@code stage=outbox} and the reason
     * @param batchSize records per round
     * @param pollInterval how often the outbox is looked at when nothing woke the relay
     * @param ackTimeout how long Kafka may take to acknowledge a round before it is tried again
     * @param linger how long a relay woken after a round that was not full waits for more records; zero for none
     */
    public record Settings(
            String channel,
            String parkedMetric,
            int batchSize,
            Duration pollInterval,
            Duration ackTimeout,
            Duration linger) {}

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};
    /** What a dead-lettered row keeps of its payload: well inside Kafka's default 1 MB. */
    static final int DEAD_LETTER_MAX_BYTES = 256 * 1024;

    private final Settings settings;
    private final DataSource dataSource;
    private final KafkaClientService clients;
    private final MutinyEmitter<byte[]> deadLetters;
    private volatile KafkaProducer<String, byte[]> producer;
    private final ObjectMapper json;
    private final TransactionSynchronizationRegistry transactions;
    private final MeterRegistry meters;
    private final Counter relayed;
    private final Loop loop;
    private final Synchronization wakeAfterCommit;
    /** Whether the last round moved a full batch (then the next one starts at once); the relay's thread only. */
    private boolean lastRoundFull;

    protected OutboxRelay(
            Settings settings,
            DataSource dataSource,
            KafkaClientService clients,
            MutinyEmitter<byte[]> deadLetters,
            ObjectMapper json,
            TransactionSynchronizationRegistry transactions,
            Stalls stalls,
            MeterRegistry meters) {
        this.settings = settings;
        this.dataSource = dataSource;
        this.clients = clients;
        this.deadLetters = deadLetters;
        this.json = json;
        this.transactions = transactions;
        this.meters = meters;
        this.relayed = Counter.builder("onramp.outbox.relayed")
                .description("Outbox records written to Kafka")
                .register(meters);
        this.loop = new Loop("the outbox relay", settings.pollInterval(), stalls, this::relayOnce);
        this.wakeAfterCommit = AfterCommit.of(loop::wake);
    }

    /** Starts relaying. */
    protected void start() {
        loop.start();
    }

    /** Lets the current round finish, for up to 10 s, and stops. */
    protected void stop() {
        loop.stop(Duration.ofSeconds(10));
    }

    /** Records were added to the outbox in the current transaction: relay them as soon as it commits. */
    public void afterCommit() {
        transactions.registerInterposedSynchronization(wakeAfterCommit);
    }

    /** One round; more to do if it moved a full batch. Throws, after keeping what it moved, when Kafka is away. */
    Loop.Next relayOnce() throws Exception {
        if (!lastRoundFull && !settings.linger().isZero()) {
            Thread.sleep(settings.linger());
        }
        Round round = QuarkusTransaction.requiringNew()
                .timeout((int) settings.ackTimeout().multipliedBy(3).toSeconds())
                .call(this::relay);
        if (round.waiting() != null) {
            throw round.waiting();
        }
        lastRoundFull = round.moved() >= settings.batchSize();
        return lastRoundFull ? Loop.Next.AGAIN : Loop.Next.IDLE;
    }

    /** How a round went: rows moved, and the failure that left some waiting, if any. */
    record Round(int moved, Exception waiting) {}

    private record Row(long id, String topic, String key, byte[] payload, String headers) {}

    /** In the round's transaction: claims rows, sends them, deletes those Kafka acknowledged. */
    private Round relay() throws SQLException, InterruptedException {
        try (Connection c = dataSource.getConnection()) {
            List<Row> rows = claim(c);
            if (rows.isEmpty()) {
                return new Round(0, null);
            }
            List<Future<RecordMetadata>> acks = send(rows.stream()
                    .map(row -> record(row.topic(), row.key(), row.payload(), headers(row.headers())))
                    .toList());
            List<Long> done = new ArrayList<>(rows.size());
            Exception waiting = null;
            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                Throwable failure = outcome(acks.get(i));
                if (failure == null) {
                    done.add(row.id());
                } else if (Failures.isTransient(failure)) {
                    waiting = waiting != null
                            ? waiting
                            : new IllegalStateException(
                                    "Kafka did not take outbox record " + row.id() + ": " + Failures.describe(failure),
                                    failure);
                } else if (deadLetter(row, failure)) {
                    done.add(row.id());
                } else {
                    waiting = waiting != null
                            ? waiting
                            : new IllegalStateException(
                                    "Kafka took neither outbox record " + row.id() + " nor its dead letter", failure);
                }
            }
            delete(c, done);
            relayed.increment(done.size());
            return new Round(done.size(), waiting);
        }
    }

    private List<Row> claim(Connection c) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, topic, record_key, payload, headers FROM outbox ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED")) {
            ps.setInt(1, settings.batchSize());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getString(5)));
                }
            }
        }
        return rows;
    }

    private static void delete(Connection c, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM outbox WHERE id = ANY(?)")) {
            delete.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            delete.executeUpdate();
        }
    }

    /** Sends a row Kafka refused to its dead-letter topic; true once Kafka acknowledged that. */
    private boolean deadLetter(Row row, Throwable failure) throws InterruptedException {
        String reason = "Kafka refused the record: " + Failures.describe(failure);
        Map<String, String> headers = new java.util.LinkedHashMap<>(headers(row.headers()));
        headers.putAll(DeadLetters.headers(reason, row.topic(), null, null));
        headers.put(DeadLetters.SIZE, Integer.toString(row.payload().length));
        byte[] payload = row.payload().length > DEAD_LETTER_MAX_BYTES
                ? Arrays.copyOf(row.payload(), DEAD_LETTER_MAX_BYTES)
                : row.payload();
        String topic = DeadLetters.topicOf(row.topic());
        Throwable dlqFailure = outcome(QuarkusTransaction.suspendingExisting().call(() -> deadLetters
                .sendMessage(deadLetter(topic, row.key(), payload, headers))
                .subscribeAsCompletionStage()));
        if (dlqFailure != null) {
            LOG.errorf(
                    "outbox record %d (%s, key %s) was refused by Kafka (%s) and so was its dead letter (%s)",
                    row.id(), row.topic(), row.key(), reason, Failures.describe(dlqFailure));
            return false;
        }
        meters.counter(settings.parkedMetric(), "stage", "outbox", "reason", Failures.category(failure))
                .increment();
        LOG.warnf(
                "outbox record %d (%s, key %s, %d bytes) went to %s: %s",
                row.id(), row.topic(), row.key(), row.payload().length, topic, reason);
        return true;
    }

    private static Message<byte[]> deadLetter(String topic, String key, byte[] payload, Map<String, String> headers) {
        List<RecordHeader> recordHeaders = new ArrayList<>(headers.size());
        headers.forEach((k, v) -> recordHeaders.add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
        return Message.of(payload)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withTopic(topic)
                        .withKey(key)
                        .withHeaders(recordHeaders)
                        .build());
    }

    private static ProducerRecord<String, byte[]> record(
            String topic, String key, byte[] payload, Map<String, String> headers) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, payload);
        headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    /**
     * Hands a round's records to the channel's producer in one go, on the channel's sending thread: one hand-off per
     * round rather than one message and acknowledgement pipeline per record (measured: ADR 0005).
     */
    private List<Future<RecordMetadata>> send(List<ProducerRecord<String, byte[]>> records)
            throws InterruptedException {
        try {
            return producer()
                    .runOnSendingThread(producer -> {
                        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
                        for (ProducerRecord<String, byte[]> record : records) {
                            try {
                                sent.add(producer.send(record));
                            } catch (RuntimeException e) {
                                sent.add(CompletableFuture.failedFuture(e));
                            }
                        }
                        return sent;
                    })
                    .await()
                    .atMost(settings.ackTimeout());
        } catch (RuntimeException e) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while handing records to Kafka");
            }
            return records.stream()
                    .<Future<RecordMetadata>>map(r -> CompletableFuture.failedFuture(e))
                    .toList();
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        KafkaProducer<String, byte[]> producer = this.producer;
        if (producer == null) {
            producer = clients.getProducer(settings.channel());
            if (producer == null) {
                throw new IllegalStateException("the " + settings.channel() + " channel has no Kafka producer yet");
            }
            this.producer = producer;
        }
        return producer;
    }

    /** Null once Kafka acknowledged, else why not. */
    private Throwable outcome(Future<?> ack) throws InterruptedException {
        try {
            ack.get(settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return new org.apache.kafka.common.errors.TimeoutException(
                    "no acknowledgement within " + settings.ackTimeout());
        }
    }

    private Map<String, String> headers(String text) {
        try {
            return text == null || text.equals("{}") ? Map.of() : json.readValue(text, HEADERS);
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }
}
