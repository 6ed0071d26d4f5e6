package dev.onramp.engine.state;

import dev.onramp.engine.EngineConfig;
import dev.onramp.pipeline.Retention;
import dev.onramp.pipeline.Stalls;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.InstantSource;
import java.util.List;
import javax.sql.DataSource;

/**
 * Deletes journey-log entries older than {@code onramp.engine.retention.decisions} and conversations in which nothing
 * happened for {@code onramp.engine.retention.conversations} (docs/security.md).
 */
@ApplicationScoped
public class RetentionPurge {

    private final Retention retention;

    RetentionPurge(EngineConfig config, DataSource dataSource, InstantSource clock, Stalls stalls) {
        this.retention = new Retention(
                dataSource,
                clock,
                List.of(
                        new Retention.Rule(
                                "decisions", "at", "", config.retention().decisions()),
                        // A conversation goes with its messages (ON DELETE CASCADE), by its last activity.
                        new Retention.Rule(
                                "conversations",
                                "updated_at",
                                "",
                                config.retention().conversations())),
                10_000,
                config.retention().interval(),
                stalls);
    }

    void start(@Observes StartupEvent ignored) {
        retention.start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        retention.stop();
    }
}
