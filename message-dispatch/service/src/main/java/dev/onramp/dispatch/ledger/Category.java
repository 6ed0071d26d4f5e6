package dev.onramp.dispatch.ledger;

import java.util.Locale;
import java.util.Optional;

/**
 * What a message is about ({@code category} in the message-request contract), which decides the unsubscribes it
 * obeys: a {@code security} notice passes them (account-security notices are not marketing); nothing passes a
 * suppression — a hard bounce, a complaint, an SMS STOP — or an erasure.
 */
public enum Category {
    MARKETING,
    PRODUCT,
    SECURITY;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Category> of(String wireName) {
        for (Category c : values()) {
            if (c.wireName().equals(wireName)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Whether the user's unsubscribes hold this message back. */
    public boolean obeysUnsubscribes() {
        return this != SECURITY;
    }
}
