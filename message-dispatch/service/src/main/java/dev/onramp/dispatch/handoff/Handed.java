package dev.onramp.dispatch.handoff;

import java.time.Duration;

/**
 * How handing one message to a destination went.
 *
 * @param ticket the help desk's ticket the message is on (created or commented); null for other destinations
 * @param retryAfter how long the destination asked to be left alone (429 {@code Retry-After}); null when it did not
 */
record Handed(Kind kind, String detail, String ticket, Duration retryAfter) {

    enum Kind {
        /** The destination has it. */
        DONE,
        /** Worth trying again: a timeout, 429, 5xx, credentials being fixed. */
        TRANSIENT,
        /** Will never work: the destination refused what it was sent, or is not configured. */
        PERMANENT
    }

    static Handed done(String detail, String ticket) {
        return new Handed(Kind.DONE, detail, ticket, null);
    }

    static Handed retry(String detail, Duration retryAfter) {
        return new Handed(Kind.TRANSIENT, detail, null, retryAfter);
    }

    static Handed permanent(String detail) {
        return new Handed(Kind.PERMANENT, detail, null, null);
    }

    /** What an HTTP status says, for destinations that speak plain HTTP. */
    static Handed ofStatus(String what, int status, String retryAfter) {
        if (status >= 200 && status < 300) {
            return done(what + " answered " + status, null);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return retry(what + " answered " + status, retryAfter(retryAfter));
        }
        if (status == 401 || status == 403) {
            // Credentials are an operator's to fix: keep the message until they are.
            return retry(what + " refused the credentials (" + status + ")", null);
        }
        return permanent(what + " answered " + status);
    }

    /** {@code Retry-After} in seconds (what Zendesk and Slack send); null when absent or not seconds. */
    static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return seconds < 0 ? null : Duration.ofSeconds(Math.min(seconds, 3_600));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
