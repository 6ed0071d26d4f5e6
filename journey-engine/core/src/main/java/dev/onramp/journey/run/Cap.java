package dev.onramp.journey.run;

import java.time.Duration;

/** At most {@code count} messages per {@code per} on one channel to one user, across all journeys. */
public record Cap(int count, Duration per) {

    public Cap {
        if (count < 1) {
            throw new IllegalArgumentException("a cap allows at least one message");
        }
        if (per.isNegative() || per.isZero()) {
            throw new IllegalArgumentException("a cap's period must be positive");
        }
    }
}
