package dev.onramp.journey.model;

import java.util.Objects;

/**
 * Matches one kind of event, optionally only when a condition holds: {@code { event: Channel Created, where: ... }}.
 *
 * @param event the event's name: a track call's {@code event}, or {@code $identify}, {@code $page}, {@code $screen},
 *     {@code $group} for the other calls
 */
public record EventMatch(String event, Condition where) {

    public EventMatch {
        Objects.requireNonNull(event, "event");
        if (event.isBlank()) {
            throw new IllegalArgumentException("an event match needs an event name");
        }
        where = where == null ? Condition.ALWAYS : where;
    }
}
