package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.DispatchConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a transient failure is tried again: after {@code first-retry}, doubling each time up to an hour, with full
 * jitter in [d/2, d] so that retries of many messages do not arrive together; {@code max-attempts} in all, after
 * which the failure counts as permanent and the next channel is tried.
 */
@ApplicationScoped
public class RetryPolicy {

    private static final Duration CAP = Duration.ofHours(1);

    private final DispatchConfig config;

    RetryPolicy(DispatchConfig config) {
        this.config = config;
    }

    /** Whether a delivery that failed its {@code attempts}-th attempt is tried again on the same channel. */
    public boolean retries(int attempts) {
        return attempts < config.delivery().maxAttempts();
    }

    /** How long to wait after the {@code attempts}-th failed attempt, or null when the channel is given up. */
    public Duration retryAfter(int attempts) {
        return retries(attempts) ? backoff(attempts) : null;
    }

    /** How long to wait after the {@code attempts}-th failed attempt. */
    public Duration backoff(int attempts) {
        long base = config.delivery().firstRetry().toMillis() * (1L << Math.min(attempts - 1, 16));
        long capped = Math.min(base, CAP.toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
