package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * What the installation decides rather than each journey.
 *
 * @param defaultZone for users without a valid {@code timezone} trait, in journeys that name none
 * @param caps frequency caps per channel, across all journeys
 * @param timeScale every journey delay is divided by this; 1 in production, larger for a demo that plays a day in a
 *     minute
 * @param holdRecheck how often a journey message held by an open incident is tried again while it stays open (the
 *     resolve sends held messages at once)
 */
public record EngineSettings(ZoneId defaultZone, Map<Channel, List<Cap>> caps, double timeScale, Duration holdRecheck) {

    public static final Duration HOLD_RECHECK = Duration.ofMinutes(15);

    public EngineSettings(ZoneId defaultZone, Map<Channel, List<Cap>> caps, double timeScale) {
        this(defaultZone, caps, timeScale, HOLD_RECHECK);
    }

    public EngineSettings {
        caps = Map.copyOf(caps);
        if (!(timeScale >= 1)) {
            throw new IllegalArgumentException("timeScale must be at least 1");
        }
    }

    public static EngineSettings defaults() {
        return new EngineSettings(ZoneId.of("UTC"), Map.of(), 1);
    }

    public Duration scale(Duration duration) {
        if (timeScale == 1) {
            return duration;
        }
        return Duration.ofNanos((long) (duration.toNanos() / timeScale));
    }

    /** The longest cap period: sends older than this no longer matter. */
    public Duration capHorizon() {
        return caps.values().stream()
                .flatMap(List::stream)
                .map(Cap::per)
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }
}
