package dev.onramp.journey.run;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What a user did, as the engine sees it.
 *
 * @param type the Segment call: track, identify, page, screen, group, alias
 * @param name what journeys match on: a track call's event name, or {@code $identify}, {@code $page}...
 * @param properties the event's properties; traits for an identify call
 * @param timestamp when it happened, by the (skew-corrected) client clock
 */
public record UserEvent(
        String messageId,
        String type,
        String name,
        String userId,
        Map<String, Object> properties,
        Map<String, Object> traits,
        Instant timestamp) {

    public UserEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(userId, "userId");
        properties = properties == null ? Map.of() : properties;
        traits = traits == null ? Map.of() : traits;
    }

    /** A track call. */
    public static UserEvent track(String userId, String event, Map<String, Object> properties, Instant at) {
        return new UserEvent(null, "track", event, userId, properties, Map.of(), at);
    }

    /** An identify call. */
    public static UserEvent identify(String userId, Map<String, Object> traits, Instant at) {
        return new UserEvent(null, "identify", "$identify", userId, Map.of(), traits, at);
    }

    /** The name journeys match for a call of {@code type} with track event {@code event}. */
    public static String nameOf(String type, String event) {
        return "track".equals(type) ? event : "$" + type;
    }
}
