package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the engine knows of a user across journeys.
 *
 * @param traits merged from identify calls; a trait set to null is removed
 * @param blocked channels that cannot reach the user and why: {@code email} → "unsubscribed", or a channel of one
 *     journey, {@code email:workspace-onboarding} → "unsubscribed from this journey"
 * @param recent messages sent lately, kept for frequency caps
 */
public record Profile(String userId, Map<String, Object> traits, Map<String, String> blocked, List<Sent> recent) {

    public Profile {
        Objects.requireNonNull(userId, "userId");
        traits = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(traits));
        blocked = Map.copyOf(blocked);
        recent = List.copyOf(recent);
    }

    public static Profile empty(String userId) {
        return new Profile(userId, Map.of(), Map.of(), List.of());
    }

    /** One message sent, for frequency caps. */
    public record Sent(Channel channel, Instant at) {}

    /** Why {@code channel} cannot carry a message of {@code journey} to this user, or null when it can. */
    public String blockedReason(Channel channel, String journey) {
        String reason = blocked.get(channel.wireName());
        return reason != null ? reason : blocked.get(channel.wireName() + ":" + journey);
    }
}
