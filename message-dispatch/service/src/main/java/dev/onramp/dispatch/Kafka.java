package dev.onramp.dispatch;

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
 * {@code onramp.dispatch.topics.create} is off, where ACLs forbid it).
 */
@ApplicationScoped
public class Kafka {

    private final Map<String, Object> config;
    private final DispatchConfig dispatch;

    Kafka(@Identifier("default-kafka-broker") Map<String, Object> config, DispatchConfig dispatch) {
        this.config = config;
        this.dispatch = dispatch;
    }

    /** Runs before SmallRye Reactive Messaging starts its channels (priority 1000). */
    void onStart(@Observes @Priority(10) StartupEvent ignored) {
        if (dispatch.topics().create()) {
            ensureTopics();
        }
    }

    /** Creates the topics this service reads and writes, and their dead-letter topics, when missing. */
    void ensureTopics() {
        DispatchConfig.Topics t = dispatch.topics();
        Topics.ensure(
                config,
                Topics.withDeadLetters(
                        List.of(t.messageRequests(), t.deliveryEvents(), t.erasures(), t.conversations()),
                        t.partitions(),
                        t.replicationFactor(),
                        t.deadLetterRetention()));
    }
}
