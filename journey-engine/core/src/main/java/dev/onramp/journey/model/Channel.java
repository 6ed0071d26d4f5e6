package dev.onramp.journey.model;

import java.util.Arrays;
import java.util.Optional;

/** Where a message can go. */
public enum Channel {
    IN_APP("in_app"),
    EMAIL("email"),
    SMS("sms"),
    WEBHOOK("webhook");

    private final String wireName;

    Channel(String wireName) {
        this.wireName = wireName;
    }

    /** The name in journey files and on the wire. */
    public String wireName() {
        return wireName;
    }

    /** Email and SMS reach people wherever they are, so they wait out quiet hours; in-app and webhooks do not. */
    public boolean respectsQuietHours() {
        return this == EMAIL || this == SMS;
    }

    public static Optional<Channel> of(String name) {
        return Arrays.stream(values()).filter(c -> c.wireName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
