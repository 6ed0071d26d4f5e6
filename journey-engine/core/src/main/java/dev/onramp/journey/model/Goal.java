package dev.onramp.journey.model;

import java.time.Duration;
import java.util.Objects;

/**
 * What counts as a conversion: the event, within how long of enrollment. Counted for the holdout group too.
 *
 * @param within {@code null} for no limit
 */
public record Goal(EventMatch match, Duration within) {

    public Goal {
        Objects.requireNonNull(match, "match");
    }
}
