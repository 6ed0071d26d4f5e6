package dev.onramp.engine;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * The topics this service needs, created when missing before the messaging channels start (unless
 * {@code onramp.engine.topics.create} is off, where ACLs forbid it).
 */
@ApplicationScoped
public class Kafka {

    private static final Logger LOG = Logger.getLogger(Kafka.class);

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
        List<NewTopic> topics = new ArrayList<>();
        for (String name : List.of(t.events(), t.messageRequests(), t.deliveryEvents(), t.erasures())) {
            topics.add(new NewTopic(name, t.partitions(), t.replicationFactor()));
            topics.add(new NewTopic(name + ".dlq", 1, t.replicationFactor())
                    .configs(java.util.Map.of(
                            "retention.ms",
                            Long.toString(t.deadLetterRetention().toMillis()))));
        }
        try (Admin admin = Admin.create(new HashMap<>(config))) {
            var result = admin.createTopics(topics);
            for (var entry : result.values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                    LOG.infof("created topic %s", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within 30 s while creating topics", e);
        }
    }
}
