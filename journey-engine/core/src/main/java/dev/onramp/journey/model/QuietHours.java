package dev.onramp.journey.model;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A daily window, in the user's time zone, when email and SMS wait. {@code from} is inside the window, {@code to}
 * is not; a window whose {@code from} is after its {@code to} spans midnight.
 */
public record QuietHours(LocalTime from, LocalTime to) {

    public QuietHours {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (from.equals(to)) {
            throw new IllegalArgumentException("quiet hours from and to must differ");
        }
    }

    /** When the window that holds {@code at} ends, or empty when {@code at} is outside every window. */
    public Optional<Instant> endOfWindowAt(Instant at, ZoneId zone) {
        ZonedDateTime local = at.atZone(zone);
        LocalTime time = local.toLocalTime();
        LocalDate date = local.toLocalDate();
        boolean inside;
        LocalDate endDate;
        if (from.isBefore(to)) {
            inside = !time.isBefore(from) && time.isBefore(to);
            endDate = date;
        } else {
            boolean evening = !time.isBefore(from);
            boolean morning = time.isBefore(to);
            inside = evening || morning;
            endDate = evening ? date.plusDays(1) : date;
        }
        if (!inside) {
            return Optional.empty();
        }
        // ZonedDateTime.of moves a time that falls in a DST gap forward, so the end always exists.
        return Optional.of(ZonedDateTime.of(endDate, to, zone).toInstant());
    }
}
