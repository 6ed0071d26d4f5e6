package dev.onramp.engine.broadcast;

import dev.onramp.engine.EngineConfig;
import dev.onramp.pipeline.Loop;
import dev.onramp.pipeline.Stalls;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Deletes the recipients of broadcasts that ended more than {@code onramp.engine.retention.broadcast-recipients} ago
 * (docs/broadcasts.md, "Counts"), a batch per transaction, after keeping their counts on the broadcast's row: a
 * million-user broadcast a week leaves no unbounded table behind, and its page still adds up.
 */
@ApplicationScoped
public class BroadcastRetention {

    private static final Logger LOG = Logger.getLogger(BroadcastRetention.class);
    private static final int PER_TRANSACTION = 10_000;

    private final BroadcastStore store;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final Duration keep;
    private final Loop loop;

    BroadcastRetention(
            EngineConfig config, BroadcastStore store, DataSource dataSource, InstantSource clock, Stalls stalls) {
        this.store = store;
        this.dataSource = dataSource;
        this.clock = clock;
        this.keep = config.retention().broadcastRecipients();
        this.loop = new Loop("the broadcast retention", config.retention().interval(), stalls, this::purgeOnce);
    }

    void start(@Observes StartupEvent ignored) {
        if (!keep.isZero()) {
            loop.start();
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        loop.stop(Duration.ofSeconds(5));
    }

    /** One batch of one broadcast's recipients; {@link Loop.Next#AGAIN} while there may be more. */
    Loop.Next purgeOnce() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.instant();
            try (Connection c = dataSource.getConnection()) {
                Optional<String> id = store.claimPurge(c, now.minus(keep));
                if (id.isEmpty()) {
                    return Loop.Next.IDLE;
                }
                int deleted = store.purgeRecipients(c, id.get(), PER_TRANSACTION, now);
                LOG.debugf("retention: %d recipient(s) of broadcast %s deleted", deleted, id.get());
                return Loop.Next.AGAIN;
            }
        });
    }
}
