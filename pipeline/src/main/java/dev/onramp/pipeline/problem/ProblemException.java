package dev.onramp.pipeline.problem;

import java.util.List;
import java.util.Map;

/** Answers a call with a problem document and any headers it needs; {@link ProblemMapper} writes it. */
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

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of(404, "not-found", "Not found", detail));
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(Problem.of(400, "bad-request", "Bad request", detail));
    }

    /** A bad query parameter: named in the detail and in {@code errors[].parameter}. */
    public static ProblemException badParameter(String name, String why) {
        return new ProblemException(Problem.of(
                400,
                "bad-request",
                "Bad request",
                name + ": " + why,
                List.of(Problem.FieldError.parameter(name, why))));
    }

    /** A bad field of the body at {@code pointer} (a JSON Pointer such as {@code /to}): named in {@code errors[]}. */
    public static ProblemException badField(String pointer, String why) {
        return new ProblemException(Problem.of(
                400,
                "bad-request",
                "Bad request",
                pointer.substring(1) + ": " + why,
                List.of(new Problem.FieldError(pointer, why))));
    }

    /** No or a wrong admin bearer token. */
    public static ProblemException unauthorized(String detail) {
        return new ProblemException(
                Problem.of(401, "unauthorized", "Admin token required", detail),
                Map.of("WWW-Authenticate", "Bearer realm=\"onramp\""));
    }
}
