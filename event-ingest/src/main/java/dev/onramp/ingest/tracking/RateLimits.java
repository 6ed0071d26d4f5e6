package dev.onramp.ingest.tracking;

import dev.onramp.ingest.IngestConfig;
import dev.onramp.ingest.Refusals;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/**
 * A token bucket per source: each accepted event takes a token, tokens come back at the source's rate, and the
 * bucket holds at most a burst's worth. A call that would overdraw it gets 429 with the seconds to wait.
 */
@ApplicationScoped
public class RateLimits {

    private final Map<String, Bucket> buckets = new HashMap<>();
    private final InstantSource clock;

    RateLimits(IngestConfig config, InstantSource clock) {
        this.clock = clock;
        config.sources()
                .forEach((name, source) -> buckets.put(
                        name, new Bucket(source.rateLimit(), source.burst().orElse(source.rateLimit() * 2))));
    }

    /** Takes {@code events} tokens from the source's bucket, or refuses the whole call. */
    public void take(String source, int events) {
        Bucket bucket = buckets.get(source);
        if (bucket == null) {
            return;
        }
        double waitSeconds = bucket.take(events, clock.millis());
        if (waitSeconds > 0) {
            throw Refusals.rateLimited(
                    "Source '" + source + "' sends more than its " + bucket.rate + " events per second; retry later.",
                    (int) Math.ceil(waitSeconds));
        }
    }

    static final class Bucket {
        final int rate;
        final int capacity;
        private double tokens;
        private long last = -1;

        Bucket(int rate, int capacity) {
            this.rate = rate;
            this.capacity = Math.max(capacity, 1);
            this.tokens = this.capacity;
        }

        /** Takes the tokens and answers 0, or takes none and answers the seconds until there would be enough. */
        synchronized double take(int count, long nowMillis) {
            if (last >= 0 && nowMillis > last) {
                tokens = Math.min(capacity, tokens + (nowMillis - last) * rate / 1000.0);
            }
            last = Math.max(last, nowMillis);
            if (count <= tokens) {
                tokens -= count;
                return 0;
            }
            double missing = Math.min(count, capacity) - tokens;
            return Math.max(missing / rate, 0.001);
        }
    }
}
