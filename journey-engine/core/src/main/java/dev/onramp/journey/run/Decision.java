package dev.onramp.journey.run;

import java.time.Instant;

/**
 * One entry of a user's journey log: what the engine decided and why. Appended, never changed, so support can
 * explain any message, or any silence.
 *
 * @param step the step concerned, or null
 * @param messageId the message concerned, or null
 */
public record Decision(
        Instant at, String userId, String journey, int cycle, String step, Kind kind, String detail, String messageId) {

    public enum Kind {
        ENROLLED,
        NOT_ENROLLED,
        STEP_DONE,
        STEP_CURRENT,
        MESSAGE_SENT,
        MESSAGE_HELD_OUT,
        MESSAGE_SKIPPED,
        MESSAGE_DEFERRED,
        DELIVERY,
        COMPLETED,
        EXITED,
        CONVERTED,
        CONDITION_FAILED,
        /** A due message that could not be handled: its timer is stopped, with the reason, until the user acts again. */
        PARKED,
        /** An anonymous profile was joined to this user: what it brought to this journey. */
        MERGED,
        /** The user wrote back: a reply to one of the messages, or feedback (its conversation's log). */
        CONVERSATION,
        /** Where a conversation went when it opened: the rule of routes.yaml, its team and destinations. */
        ROUTED,
        /** What message-dispatch said of handing a conversation's message to a destination: its ticket, or why not. */
        HANDED_OFF,
        /** A teammate answered the user in a conversation. */
        ANSWERED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
