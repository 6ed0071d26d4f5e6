package dev.onramp.journey.model;

import java.util.Objects;

/**
 * A CEL condition as written in a journey file, with the compiled program that evaluates it.
 *
 * @param source the expression text; empty for {@link #ALWAYS}
 * @param program how to evaluate it; {@code null} only for {@link #ALWAYS}
 */
public record Condition(String source, CompiledCondition program) {

    public static final Condition ALWAYS = new Condition("", null);

    public Condition {
        Objects.requireNonNull(source, "source");
    }

    public boolean isAlways() {
        return program == null;
    }

    @Override
    public String toString() {
        return isAlways() ? "true" : source;
    }

    /** A condition compiled to a program. Implemented by {@code dev.onramp.journey.cel.Conditions}. */
    public interface CompiledCondition {
        /** Evaluates against {@code user} and {@code event}; a failed evaluation is reported, never thrown. */
        Result evaluate(java.util.Map<String, Object> user, java.util.Map<String, Object> event, java.time.Instant now);
    }

    /** The outcome of one evaluation: a value, or why there is none. */
    public record Result(boolean value, String error) {
        public static final Result TRUE = new Result(true, null);
        public static final Result FALSE = new Result(false, null);

        public static Result error(String error) {
            return new Result(false, error);
        }

        public boolean failed() {
            return error != null;
        }
    }
}
