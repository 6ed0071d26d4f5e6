package dev.onramp.infra.quarkus;

import dev.onramp.infra.FreePorts;
import dev.onramp.infra.KafkaProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Kafka broker of its own, as a separate process that a test can kill and start again (same data, same ports), to
 * show what a service does when the broker goes away under load.
 */
public class RestartableKafkaResource implements QuarkusTestResourceLifecycleManager {

    private static KafkaProcess broker;

    /** The broker of the running test. */
    public static KafkaProcess broker() {
        return broker;
    }

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("onramp-restartable-kafka");
            broker = KafkaProcess.start(
                    dir.resolve("data"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "kafka.bootstrap.servers", broker.bootstrapServers(), "quarkus.kafka.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
