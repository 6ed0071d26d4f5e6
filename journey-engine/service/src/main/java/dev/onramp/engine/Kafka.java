package dev.onramp.engine;

import dev.onramp.pipeline.Topics;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;

/**
 * The topics this service needs, created when missing before the messaging channels start (unless
 * {@code onramp.engine.topics.create} is off, where ACLs forbid it).
 */
@ApplicationScoped
public class Kafka {

    private final Map<String, Object> config;
    private final EngineConfig engine;

    Kafka(@Identifier("default-kafka-broker") Map<String, Object> config, EngineConfig engine) {
        this.config = config;
        this.engine = engine;
    }

    /** Runs before SmallRye Reactive Messaging starts its channels (priority 1000). */
    void onStart(@Observes @Priority(10) StartupEvent ignored) {
        if (engine.topics().create()) {
            ensureTopics();
        }
    }

    /** Creates the engine's topics and their dead-letter topics when missing. */
    void ensureTopics() {
        EngineConfig.Topics t = engine.topics();
        Topics.ensure(
                config,
                Topics.withDeadLetters(
                        List.of(t.events(), t.messageRequests(), t.deliveryEvents(), t.erasures(), t.conversations()),
                        t.partitions(),
                        t.replicationFactor(),
                        t.deadLetterRetention()));
    }
}
