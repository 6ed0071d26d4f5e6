package dev.onramp.dispatch.ledger;

import dev.onramp.dispatch.DispatchConfig;
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
 * Deletes finished deliveries older than {@code onramp.dispatch.retention.deliveries} and inbox messages older than
 * {@code onramp.dispatch.retention.inbox-messages}, and conversations nobody wrote in for as long (docs/security.md). A delivery still on its way is never deleted.
 */
@ApplicationScoped
public class RetentionPurge {

    private final Retention retention;

    RetentionPurge(DispatchConfig config, DataSource dataSource, InstantSource clock, Stalls stalls) {
        this.retention = new Retention(
                dataSource,
                clock,
                List.of(
                        new Retention.Rule(
                                "deliveries",
                                "created_at",
                                "status IN ('sent', 'delivered', 'failed')",
                                config.retention().deliveries()),
                        new Retention.Rule(
                                "inbox_messages",
                                "created_at",
                                "",
                                config.retention().inboxMessages()),
                        // A conversation goes with its messages: when nothing was written in it for as long.
                        new Retention.Rule(
                                "conversations",
                                "updated_at",
                                "",
                                config.retention().inboxMessages()),
                        // Replies by SMS and email are remembered only to take a provider's retry once.
                        new Retention.Rule("channel_replies", "created_at", "", java.time.Duration.ofDays(7))),
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
