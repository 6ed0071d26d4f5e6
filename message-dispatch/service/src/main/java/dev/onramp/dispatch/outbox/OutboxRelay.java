package dev.onramp.dispatch.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.pipeline.Stalls;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.transaction.TransactionSynchronizationRegistry;
import javax.sql.DataSource;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Dispatch's outbox relay ({@link dev.onramp.pipeline.OutboxRelay}): delivery events and dead letters through the
 * {@code dispatch-out} channel. It lingers (50 ms by default) after a round that was not full: sends to outside
 * providers finish one by one, and their events would otherwise cost a round, a commit and a Kafka request each. The
 * engine applies a delivery event by its message id and status, so a repeat after a crash changes nothing.
 */
@Singleton
public class OutboxRelay extends dev.onramp.pipeline.OutboxRelay {

    OutboxRelay(
            DispatchConfig config,
            DataSource dataSource,
            KafkaClientService clients,
            @Channel("dispatch-out") MutinyEmitter<byte[]> deadLetters,
            ObjectMapper json,
            TransactionSynchronizationRegistry transactions,
            Stalls stalls,
            MeterRegistry meters) {
        super(
                new Settings(
                        "dispatch-out",
                        "onramp.dispatch.parked",
                        config.outbox().batchSize(),
                        config.outbox().pollInterval(),
                        config.outbox().ackTimeout(),
                        config.outbox().linger()),
                dataSource,
                clients,
                deadLetters,
                json,
                transactions,
                stalls,
                meters);
    }

    void start(@Observes @Priority(2000) StartupEvent ignored) {
        start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        stop();
    }
}
