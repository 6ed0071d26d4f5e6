package dev.onramp.engine.progress;

import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.run.JourneyRuntime;
import dev.onramp.journey.run.UserEvent;
import dev.onramp.pipeline.Failures;
import dev.onramp.pipeline.Isolation;
import dev.onramp.pipeline.LagCommits;
import dev.onramp.pipeline.Stalls;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes user events and delivery reports, a poll's batch at a time (the {@code engine-in} channel). A batch is
 * applied in one transaction ({@link EventTransactions}); a record that cannot be applied is found by halving the
 * batch and parked on its dead-letter topic while everything else is applied; while PostgreSQL is away the batch
 * waits and is tried again, and readiness says so. Nothing here throws but a bug: a channel that stops makes the
 * framework's health checks DOWN.
 */
@ApplicationScoped
public class EventConsumer {

    static final String CHANNEL = "engine-in";
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final Records records;
    private final EventTransactions transactions;
    private final LagCommits lagCommits;
    private final Isolation<Item> isolation;
    private final Stalls stalls;
    private final DistributionSummary batchSize;
    private volatile boolean running = true;

    EventConsumer(
            EngineConfig config,
            JourneyRegistry registry,
            Records records,
            EventTransactions transactions,
            KafkaClientService kafka,
            DataSource dataSource,
            Stalls stalls,
            MeterRegistry meters) {
        this.config = config;
        this.registry = registry;
        this.records = records;
        this.transactions = transactions;
        this.lagCommits = new LagCommits(kafka, CHANNEL, Duration.ofSeconds(1));
        this.stalls = stalls;
        this.batchSize = DistributionSummary.builder("onramp.engine.batch.records")
                .description("Records per batch the consumer applies")
                .register(meters);
        this.isolation =
                new Isolation<>("the event consumer", stalls, () -> Failures.reachable(dataSource), () -> running);
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
    }

    @Incoming(CHANNEL)
    @Blocking
    public void consume(ConsumerRecords<String, byte[]> polled) throws InterruptedException {
        JourneyRuntime runtime = awaitJourneys();
        batchSize.record(polled.count());
        List<Item> items = new ArrayList<>(polled.count());
        for (ConsumerRecord<String, byte[]> record : polled) {
            items.add(read(record, runtime));
        }
        isolation.apply(items, transactions::apply, transactions::park);
        lagCommits.processed(polled);
    }

    /** No event is applied before a valid set of journeys is loaded; meanwhile the consumer waits, not ready. */
    private JourneyRuntime awaitJourneys() throws InterruptedException {
        while (registry.current().isEmpty()) {
            if (!running) {
                throw new Isolation.Stopped("the event consumer");
            }
            stalls.stalled("the event consumer", "no valid journeys are loaded yet (see the journeys health check)");
            Thread.sleep(500);
        }
        stalls.resumed("the event consumer");
        return registry.current().orElseThrow().runtime();
    }

    private Item read(ConsumerRecord<String, byte[]> record, JourneyRuntime runtime) {
        String trace = header(record, "traceparent");
        Item.Content content;
        try {
            if (record.topic().equals(config.topics().deliveryEvents())) {
                if (record.key() == null || record.key().isEmpty()) {
                    throw new Records.Unreadable("a delivery event without a key (the user id)");
                }
                Records.Report report = records.delivery(record.value());
                content = new Item.Delivery(
                        record.key(), report.report(), report.at(), report.broadcast(), report.handoff());
            } else if (record.topic().equals(config.topics().conversations())) {
                content = new Item.Conversation(records.conversation(record.key(), record.value()));
            } else {
                UserEvent event = records.event(record.key(), record.value());
                content =
                        "identify".equals(event.type()) || event.mergeSource() != null || runtime.reactsTo(event.name())
                                ? new Item.Event(event)
                                : new Item.Ignored();
            }
        } catch (Records.Unreadable e) {
            content = new Item.Unreadable(e.getMessage());
        }
        return new Item(
                record.topic(),
                record.partition(),
                record.offset(),
                record.timestamp(),
                record.key(),
                record.value(),
                trace,
                content);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
    }
}
