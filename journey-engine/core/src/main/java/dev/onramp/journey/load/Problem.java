package dev.onramp.journey.load;

import java.util.Comparator;
import java.util.Objects;

/**
 * One thing wrong with a journeys directory, where it is: printed as {@code file:line:col: severity: message}, the
 * form editors and CI systems link to.
 *
 * @param file the path as given (relative to the directory loaded)
 * @param line 1-based; 0 when the problem is about the whole file
 * @param column 1-based; 0 when the problem is about the whole file or line
 */
public record Problem(String file, int line, int column, Severity severity, String message) {

    public static final Comparator<Problem> ORDER = Comparator.comparing(Problem::file)
            .thenComparingInt(Problem::line)
            .thenComparingInt(Problem::column)
            .thenComparing(Problem::message);

    public enum Severity {
        ERROR,
        WARNING;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Problem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + severity.label() + ": " + message;
    }
}
