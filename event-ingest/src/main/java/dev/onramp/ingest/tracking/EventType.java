package dev.onramp.ingest.tracking;

import java.util.Locale;
import java.util.Optional;

/** The Segment call types, with the one-letter path aliases browser SDKs use. */
public enum EventType {
    TRACK("t"),
    IDENTIFY("i"),
    PAGE("p"),
    SCREEN("s"),
    GROUP("g"),
    ALIAS("a");

    private final String alias;

    EventType(String alias) {
        this.alias = alias;
    }

    /** The name on the wire: {@code track}, {@code identify}... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type a path segment or a {@code type} field names, if any: {@code track} or {@code t}. */
    public static Optional<EventType> of(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (EventType type : values()) {
            if (type.wireName().equals(name) || type.alias.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
