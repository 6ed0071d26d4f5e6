package dev.onramp.dispatch.send;

/**
 * How one send to a provider went.
 *
 * @param providerId the provider's id of the message (a Twilio SID), when it gives one
 */
public record SendOutcome(Kind kind, String detail, String providerId) {

    public enum Kind {
        /** Accepted by the provider: the message is on its way. */
        SENT,
        /** Received by the other end (a webhook answered 2xx). */
        DELIVERED,
        /** Worth trying again later: timeouts, 429, 5xx. */
        TRANSIENT,
        /** Will never work for this message: try the next channel. */
        PERMANENT,
        /** Will never work for this address: suppress it, then try the next channel. */
        REJECTED
    }

    public static SendOutcome sent(String providerId) {
        return new SendOutcome(Kind.SENT, null, providerId);
    }

    public static SendOutcome transientFailure(String detail) {
        return new SendOutcome(Kind.TRANSIENT, detail, null);
    }

    public static SendOutcome permanent(String detail) {
        return new SendOutcome(Kind.PERMANENT, detail, null);
    }

    public static SendOutcome rejected(String detail) {
        return new SendOutcome(Kind.REJECTED, detail, null);
    }
}
