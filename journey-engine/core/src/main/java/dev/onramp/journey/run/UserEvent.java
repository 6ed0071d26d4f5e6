package dev.onramp.journey.run;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What a user did, as the engine sees it.
 *
 * @param type the Segment call: track, identify, page, screen, group, alias
 * @param name what journeys match on: a track call's event name, or {@code $identify}, {@code $page}...
 * @param userId whom it is applied to: the call's userId, or its anonymousId when it has none
 * @param anonymousId the call's anonymousId, or null
 * @param previousId an alias call's previousId, or null
 * @param properties the event's properties; traits for an identify call
 * @param timestamp when it happened, by the (skew-corrected) client clock
 */
public record UserEvent(
        String messageId,
        String type,
        String name,
        String userId,
        String anonymousId,
        String previousId,
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
        return new UserEvent(null, "track", event, userId, null, null, properties, Map.of(), at);
    }

    /** An identify call. */
    public static UserEvent identify(String userId, Map<String, Object> traits, Instant at) {
        return new UserEvent(null, "identify", "$identify", userId, null, null, Map.of(), traits, at);
    }

    /** The same call with other traits. */
    public UserEvent withTraits(Map<String, Object> newTraits) {
        return new UserEvent(messageId, type, name, userId, anonymousId, previousId, properties, newTraits, timestamp);
    }

    /** The name journeys match for a call of {@code type} with track event {@code event}. */
    public static String nameOf(String type, String event) {
        return "track".equals(type) ? event : "$" + type;
    }

    /** Sent before the user signed in: the call carries an anonymousId and no userId. */
    public boolean anonymous() {
        return userId.equals(anonymousId);
    }

    /**
     * The id whose profile this call joins to its user, or null: an alias call's previousId, or the anonymousId of an
     * identify call that also names its user (what an SDK sends at sign-up or sign-in). See {@code docs/journeys.md},
     * "One person, one user".
     */
    public String mergeSource() {
        String source =
                switch (type) {
                    case "alias" -> previousId;
                    case "identify" -> anonymous() ? null : anonymousId;
                    default -> null;
                };
        return source == null || source.isEmpty() || source.equals(userId) ? null : source;
    }
}
