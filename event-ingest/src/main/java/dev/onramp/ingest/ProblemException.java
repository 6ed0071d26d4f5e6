package dev.onramp.ingest;

import java.util.List;
import java.util.Map;

/** Thrown to answer a call with a problem document; {@link ProblemMapper} turns it into the response. */
public class ProblemException extends RuntimeException {

    private final Problem problem;
    private final Map<String, String> headers;

    public ProblemException(Problem problem) {
        this(problem, Map.of());
    }

    public ProblemException(Problem problem, Map<String, String> headers) {
        super(problem.title() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = Map.copyOf(headers);
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ProblemException invalid(String detail, List<Problem.FieldError> errors) {
        return new ProblemException(Problem.of(400, "invalid-event", "Invalid event", detail, errors));
    }

    public static ProblemException malformed(String detail) {
        return new ProblemException(Problem.of(400, "malformed-body", "Malformed request body", detail, null));
    }

    public static ProblemException tooLarge(String detail) {
        return new ProblemException(Problem.of(413, "too-large", "Request too large", detail, null));
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(
                Problem.of(401, "unauthorized", "Unknown or missing write key", detail, null),
                Map.of("WWW-Authenticate", "Basic realm=\"onramp\""));
    }

    public static ProblemException rateLimited(String detail, int retryAfterSeconds) {
        return new ProblemException(
                Problem.of(429, "rate-limited", "Too many events", detail, null),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    public static ProblemException unavailable(String detail, int retryAfterSeconds) {
        return new ProblemException(
                Problem.of(503, "unavailable", "Event store unavailable", detail, null),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }
}
