package dev.onramp.pipeline;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Which parts of a service's pipeline are waiting for the infrastructure to come back (a consumer, the timers, the
 * deliveries, an outbox relay): while any is, the service is not ready ({@link PipelineHealthCheck}). Each says so in
 * the log once when it stalls, again every minute while it lasts, and once when it resumes.
 */
@ApplicationScoped
public class Stalls {

    private static final Logger LOG = Logger.getLogger(Stalls.class);
    private static final Duration REPEAT = Duration.ofMinutes(1);

    private record Stall(Instant since, String reason, Instant lastLogged, long attempts) {}

    private final InstantSource clock;
    private final Map<String, Stall> stalled = new ConcurrentHashMap<>();

    public Stalls(InstantSource clock) {
        this.clock = clock;
    }

    /** {@code what} could not go on because of {@code cause} and will try again. */
    public void stalled(String what, String cause) {
        Instant now = clock.instant();
        stalled.compute(what, (k, stall) -> {
            if (stall == null) {
                LOG.warnf("%s is waiting for the infrastructure to come back: %s", what, cause);
                return new Stall(now, cause, now, 1);
            }
            boolean repeat = Duration.between(stall.lastLogged(), now).compareTo(REPEAT) >= 0;
            if (repeat) {
                LOG.warnf(
                        "%s has been waiting for %d s (%d attempts): %s",
                        what, Duration.between(stall.since(), now).toSeconds(), stall.attempts() + 1, cause);
            }
            return new Stall(stall.since(), cause, repeat ? now : stall.lastLogged(), stall.attempts() + 1);
        });
    }

    /** {@code what} works again. */
    public void resumed(String what) {
        Stall stall = stalled.remove(what);
        if (stall != null) {
            LOG.infof(
                    "%s resumed after %d ms (%d attempts)",
                    what, Duration.between(stall.since(), clock.instant()).toMillis(), stall.attempts());
        }
    }

    public boolean any() {
        return !stalled.isEmpty();
    }

    /** What is waiting, since when and for what. */
    public Map<String, String> waiting() {
        Map<String, String> out = new java.util.TreeMap<>();
        stalled.forEach((what, stall) -> out.put(what, "waiting since " + stall.since() + ": " + stall.reason()));
        return out;
    }
}
