package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.MessageKind;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One user's way through one journey.
 *
 * @param cycle 1 for the first enrollment, 2 after a re-entry...
 * @param triggerProperties the properties of the event that enrolled the user: templates and re-checks use them
 * @param done step id → when it got done
 * @param currentStep the next clear step; {@code null} once every step is done
 * @param currentSince when it became the next step
 * @param nextMessage index into the current step's messages of the one to send next
 * @param lastMessageAt when the previous message of the current step was sent, or was due if it was skipped
 * @param dueAt when the next message is due; {@code null} when nothing is pending. This is the durable timer.
 * @param sent every message sent (or held out) in this enrollment
 */
public record Enrollment(
        String journeyId,
        String userId,
        int cycle,
        Status status,
        Instant enrolledAt,
        boolean holdout,
        Map<String, Object> triggerProperties,
        Map<String, Instant> done,
        String currentStep,
        Instant currentSince,
        int nextMessage,
        Instant lastMessageAt,
        Instant dueAt,
        Instant endedAt,
        Instant convertedAt,
        List<SentMessage> sent) {

    public enum Status {
        ACTIVE,
        COMPLETED,
        EXITED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Enrollment {
        Objects.requireNonNull(journeyId, "journeyId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(status, "status");
        triggerProperties = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(triggerProperties));
        done = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(done));
        sent = List.copyOf(sent);
    }

    public boolean active() {
        return status == Status.ACTIVE;
    }

    /**
     * A message this enrollment sent, or would have sent when held out.
     *
     * @param status as far as the engine knows: sent, held_out, then what delivery events report
     */
    public record SentMessage(
            String messageId,
            String step,
            MessageKind kind,
            int ordinal,
            Channel channel,
            String template,
            int journeyVersion,
            Instant at,
            String status) {

        /**
         * Whether a delivery report moves the message's status on: facts only move forward — sent (or a channel
         * passed over as suppressed, after which a fallback may still send), then delivered or failed, then read or
         * dismissed, then clicked, then unsubscribed — so a late "delivered" never undoes a "read", and a held-out
         * message stays held out.
         */
        public static boolean movesOn(String current, String reported) {
            return rank(reported) >= rank(current) && !"held_out".equals(current);
        }

        /** How far along a status is: 0 for sent (or unknown), up to 4 for unsubscribed. */
        public static int rank(String status) {
            return switch (status == null ? "" : status) {
                case "delivered", "failed" -> 1;
                case "read", "dismissed" -> 2;
                case "clicked" -> 3;
                case "unsubscribed" -> 4;
                default -> 0;
            };
        }
    }
}
