package dev.onramp.journey.model;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A message a step may send: its nudge or one of its reminders.
 *
 * @param after how long after the step became the next one (nudge) or after the previous message (reminder)
 * @param channel where it goes first
 * @param fallback where it goes, in order, when the channel cannot reach the user
 * @param template the template's name; its files are {@code templates/<name>.<channel>...}
 * @param where sent only when this holds at send time
 */
public record MessageSpec(
        MessageKind kind, Duration after, Channel channel, List<Channel> fallback, String template, Condition where) {

    public MessageSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(template, "template");
        if (after.isNegative()) {
            throw new IllegalArgumentException("after must not be negative");
        }
        fallback = List.copyOf(fallback);
        where = where == null ? Condition.ALWAYS : where;
    }

    /** The channel and then the fallbacks, in the order they are tried. */
    public List<Channel> channels() {
        var all = new java.util.ArrayList<Channel>(1 + fallback.size());
        all.add(channel);
        all.addAll(fallback);
        return all;
    }
}
