package dev.onramp.ingest;

import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import java.util.List;
import java.util.Map;

/** The ways event-ingest refuses a call, each a problem document with the headers a client acts on. */
public final class Refusals {

    private Refusals() {}

    public static ProblemException invalid(String detail, List<Problem.FieldError> errors) {
        return new ProblemException(Problem.of(400, "invalid-event", "Invalid event", detail, errors));
    }

    public static ProblemException malformed(String detail) {
        return new ProblemException(Problem.of(400, "malformed-body", "Malformed request body", detail));
    }

    public static ProblemException tooLarge(String detail) {
        return new ProblemException(Problem.of(413, "too-large", "Request too large", detail));
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(
                Problem.of(401, "unauthorized", "Unknown or missing write key", detail),
                Map.of("WWW-Authenticate", "Basic realm=\"onramp\""));
    }

    public static ProblemException rateLimited(String detail, int retryAfterSeconds) {
        return new ProblemException(
                Problem.of(429, "rate-limited", "Too many events", detail),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    public static ProblemException unavailable(String detail, int retryAfterSeconds) {
        return new ProblemException(
                Problem.of(503, "unavailable", "Event store unavailable", detail),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }
}
