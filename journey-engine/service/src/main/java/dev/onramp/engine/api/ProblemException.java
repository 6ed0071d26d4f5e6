package dev.onramp.engine.api;

/** Answers a call with a problem document; {@link ProblemMapper} writes it. */
public class ProblemException extends RuntimeException {

    private final Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of(404, "not-found", "Not found", detail));
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(Problem.of(400, "bad-request", "Bad request", detail));
    }

    /** A bad query parameter or field: named in the detail and in {@code errors} as {@code field: why}. */
    public static ProblemException badRequest(String field, String why) {
        Problem p = Problem.of(400, "bad-request", "Bad request", field + ": " + why);
        return new ProblemException(
                new Problem(p.type(), p.title(), p.status(), p.detail(), null, java.util.List.of(field + ": " + why)));
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(Problem.of(401, "unauthorized", "Admin token required", detail));
    }
}
