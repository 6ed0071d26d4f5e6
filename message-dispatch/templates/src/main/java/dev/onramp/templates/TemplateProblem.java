package dev.onramp.templates;

/**
 * Something wrong with a template file, where it is: printed as {@code file:line:col: error: message}.
 *
 * @param line 1-based; 0 when about the whole file
 * @param column 1-based; 0 when about the whole file or line
 */
public record TemplateProblem(String file, int line, int column, String message) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": error: " + message;
    }
}
