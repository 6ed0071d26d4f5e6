package dev.onramp.infra.quarkus;

import dev.onramp.infra.Infra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real Kafka broker for a {@code @QuarkusTest}, shared by every test of the JVM. */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                "kafka.bootstrap.servers",
                Infra.kafka().bootstrapServers(),
                "quarkus.kafka.devservices.enabled",
                "false");
    }

    @Override
    public void stop() {
        // Shared by the whole JVM; Infra stops it at exit.
    }
}
