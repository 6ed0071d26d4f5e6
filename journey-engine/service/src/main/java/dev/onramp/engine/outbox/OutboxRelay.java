package dev.onramp.engine.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.engine.EngineConfig;
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
import java.time.Duration;
import javax.sql.DataSource;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * The engine's outbox relay ({@link dev.onramp.pipeline.OutboxRelay}): message requests and dead letters through the
 * {@code engine-out} channel. No linger: a message request is on the way to an in-app message, and a round starts as
 * soon as the records are committed. Dispatch applies a request once by its message id, so a repeat after a crash
 * changes nothing.
 */
@Singleton
public class OutboxRelay extends dev.onramp.pipeline.OutboxRelay {

    OutboxRelay(
            EngineConfig config,
            DataSource dataSource,
            KafkaClientService clients,
            @Channel("engine-out") MutinyEmitter<byte[]> deadLetters,
            ObjectMapper json,
            TransactionSynchronizationRegistry transactions,
            Stalls stalls,
            MeterRegistry meters) {
        super(
                new Settings(
                        "engine-out",
                        "onramp.engine.parked",
                        config.outbox().batchSize(),
                        config.outbox().pollInterval(),
                        config.outbox().ackTimeout(),
                        Duration.ZERO),
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
