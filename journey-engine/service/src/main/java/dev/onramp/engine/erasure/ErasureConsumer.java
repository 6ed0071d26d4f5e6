package dev.onramp.engine.erasure;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.pipeline.ErasureRequest;
import dev.onramp.pipeline.Failures;
import dev.onramp.pipeline.Isolation;
import dev.onramp.pipeline.Stalls;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Applies erasure requests ({@code onramp.erasures}, the {@code engine-erasures} channel): each deletes a user and the
 * anonymous profiles joined to them from the engine's tables, in its own consumer group so that every service gets
 * every request. Applying one twice is harmless, so offsets are committed to Kafka after the batch (at least once). A
 * request that does not follow its contract is parked on {@code onramp.erasures.dlq}; while PostgreSQL is away the
 * batch waits, and readiness says so.
 */
@ApplicationScoped
public class ErasureConsumer {

    private final ErasureTransactions transactions;
    private final ObjectMapper json;
    private final Isolation<ErasureRequest> isolation;
    private volatile boolean running = true;

    ErasureConsumer(ErasureTransactions transactions, DataSource dataSource, ObjectMapper json, Stalls stalls) {
        this.transactions = transactions;
        this.json = json;
        this.isolation =
                new Isolation<>("the erasure consumer", stalls, () -> Failures.reachable(dataSource), () -> running);
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
    }

    @Incoming("engine-erasures")
    @Blocking
    public void consume(ConsumerRecords<String, byte[]> polled) throws InterruptedException {
        List<ErasureRequest> requests = new ArrayList<>(polled.count());
        for (ConsumerRecord<String, byte[]> record : polled) {
            requests.add(ErasureRequest.read(record, json));
        }
        isolation.apply(requests, transactions::apply, transactions::park);
    }
}
