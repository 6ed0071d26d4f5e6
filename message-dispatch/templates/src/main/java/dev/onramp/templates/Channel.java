package dev.onramp.templates;

import java.util.Arrays;
import java.util.Optional;

/** Where a message can go; the wire names are those of the message-requests contract. */
public enum Channel {
    IN_APP("in_app"),
    EMAIL("email"),
    SMS("sms"),
    WEBHOOK("webhook");

    private final String wireName;

    Channel(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<Channel> of(String name) {
        return Arrays.stream(values()).filter(c -> c.wireName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
