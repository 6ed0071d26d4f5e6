package dev.onramp.dispatch.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.handoff.Handoff;
import dev.onramp.dispatch.ledger.DeliveryRequest;
import dev.onramp.pipeline.Failures;
import dev.onramp.pipeline.Isolation;
import dev.onramp.pipeline.LagCommits;
import dev.onramp.pipeline.Stalls;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes message requests, a poll's batch at a time (the {@code dispatch-in} channel), into the {@code deliveries}
 * table, keyed by message id: a request that arrives twice is stored, and so delivered, once. A batch is one
 * transaction with its offsets; a record that cannot be stored is found by halving the batch and parked on the
 * dead-letter topic while the rest is stored; while PostgreSQL is away the batch waits and readiness says so.
 */
@ApplicationScoped
public class RequestConsumer {

    static final String CHANNEL = "dispatch-in";
    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);

    private final RequestTransactions transactions;
    private final DeliveryWorker worker;
    private final LagCommits lagCommits;
    private final ObjectMapper json;
    private final Isolation<RequestItem> isolation;
    private volatile boolean running = true;

    RequestConsumer(
            RequestTransactions transactions,
            DeliveryWorker worker,
            KafkaClientService kafka,
            ObjectMapper json,
            DataSource dataSource,
            Stalls stalls) {
        this.transactions = transactions;
        this.worker = worker;
        this.lagCommits = new LagCommits(kafka, CHANNEL, Duration.ofSeconds(1));
        this.json = json;
        this.isolation =
                new Isolation<>("the request consumer", stalls, () -> Failures.reachable(dataSource), () -> running);
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
    }

    @Incoming(CHANNEL)
    @Blocking
    public void consume(ConsumerRecords<String, String> polled) throws InterruptedException {
        List<RequestItem> items = new ArrayList<>(polled.count());
        for (ConsumerRecord<String, String> record : polled) {
            items.add(read(record));
        }
        List<Job> jobs = storeAndDeliver(items);
        if (jobs != null) {
            jobs.forEach(worker::submit);
        } else {
            isolation.apply(items, transactions::store, transactions::park);
            worker.wake();
        }
        lagCommits.processed(polled);
    }

    /**
     * The short way, one transaction from request to inbox; null if it failed (PostgreSQL away, or a request that
     * cannot be stored or delivered), and then the careful way stores them, halving to park what cannot be stored,
     * and the delivery worker finds and fails what cannot be delivered.
     */
    private List<Job> storeAndDeliver(List<RequestItem> items) {
        if (!worker.accepting()) {
            return null;
        }
        try {
            return transactions.storeAndDeliver(items, worker.roomForExternal(), worker.owner());
        } catch (Exception e) {
            LOG.debugf("storing and delivering %d request(s) at once failed (%s); storing them first", items.size(), e);
            return null;
        }
    }

    private RequestItem read(ConsumerRecord<String, String> record) {
        DeliveryRequest request = null;
        Handoff handoff = null;
        String invalid = null;
        if (record.value() == null) {
            invalid = "empty record";
        } else {
            try {
                JsonNode node = json.readTree(record.value());
                if (Handoff.isHandoff(node)) {
                    handoff = Handoff.read(node);
                } else {
                    request = DeliveryRequest.read(node, json);
                }
            } catch (DeliveryRequest.Invalid e) {
                invalid = e.getMessage();
            } catch (IOException e) {
                invalid = "not JSON: " + e.getMessage();
            }
        }
        return new RequestItem(
                record.topic(),
                record.partition(),
                record.offset(),
                record.timestamp(),
                record.key(),
                record.value(),
                request,
                handoff,
                invalid);
    }
}
