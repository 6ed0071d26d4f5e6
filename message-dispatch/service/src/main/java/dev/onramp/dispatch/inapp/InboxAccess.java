package dev.onramp.dispatch.inapp;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Who may use a user's inbox: whoever has the user's hash ({@code X-Onramp-User-Hash} header or {@code userHash} query
 * parameter), which only the product's backend can compute — to read it, and to write back from it.
 */
@ApplicationScoped
public class InboxAccess {

    private final DispatchConfig config;

    InboxAccess(DispatchConfig config) {
        this.config = config;
    }

    /** Throws a 403 problem unless one of the hashes is the user's, with the current or the previous secret. */
    public void authorize(String userId, String headerHash, String queryHash) {
        String secret = config.inbox().secret().orElse(null);
        if (secret == null || secret.isBlank()) {
            throw forbidden("No inbox secret is configured (onramp.dispatch.inbox.secret), so inboxes are closed.");
        }
        String given = headerHash != null ? headerHash : queryHash;
        String previous = config.inbox().secretPrevious().orElse(null);
        if (!UserHash.matches(secret, userId, given)
                && (previous == null || previous.isBlank() || !UserHash.matches(previous, userId, given))) {
            throw forbidden("Send HMAC-SHA256(inbox secret, userId) in hex as the X-Onramp-User-Hash header"
                    + " or the userHash query parameter; your backend computes it.");
        }
    }

    private static ProblemException forbidden(String detail) {
        return new ProblemException(Problem.of(403, "bad-user-hash", "Wrong or missing user hash", detail));
    }
}
