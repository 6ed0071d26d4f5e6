package dev.onramp.journey.model;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them: {@code 30s}, {@code 10m}, {@code 2h}, {@code 3d}, {@code 1w}, combined as in
 * {@code 1h30m}; ISO-8601 ({@code PT10M}, {@code P1D}) too. A day is 24 hours of elapsed time and a week 7 days.
 */
public final class Durations {

    private static final Pattern HUMAN =
            Pattern.compile("(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

    private Durations() {}

    public static Optional<Duration> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String trimmed = text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        if (trimmed.isEmpty()) {
            return Optional.empty();
        }
        if (trimmed.startsWith("p")) {
            try {
                return Optional.of(Duration.parse(trimmed.toUpperCase(Locale.ROOT)));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
        Matcher m = HUMAN.matcher(trimmed);
        if (!m.matches() || trimmed.equals("")) {
            return Optional.empty();
        }
        try {
            Duration d = Duration.ZERO;
            d = d.plusDays(7 * number(m.group(1)));
            d = d.plusDays(number(m.group(2)));
            d = d.plusHours(number(m.group(3)));
            d = d.plusMinutes(number(m.group(4)));
            d = d.plusSeconds(number(m.group(5)));
            return Optional.of(d);
        } catch (ArithmeticException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static long number(String group) {
        return group == null ? 0 : Long.parseLong(group);
    }

    /** The shortest human form: {@code 1h30m}, {@code 3d}, {@code 0s}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long seconds = duration.getSeconds();
        long days = seconds / 86_400;
        if (days > 0 && days % 7 == 0 && seconds % 86_400 == 0) {
            return (days / 7) + "w";
        }
        if (days > 0) {
            out.append(days).append('d');
        }
        long hours = seconds % 86_400 / 3_600;
        if (hours > 0) {
            out.append(hours).append('h');
        }
        long minutes = seconds % 3_600 / 60;
        if (minutes > 0) {
            out.append(minutes).append('m');
        }
        long secs = seconds % 60;
        if (secs > 0 || out.isEmpty()) {
            out.append(secs).append('s');
        }
        if (duration.getNano() > 0) {
            out.append(duration.getNano() / 1_000_000).append("ms");
        }
        return out.toString();
    }
}
