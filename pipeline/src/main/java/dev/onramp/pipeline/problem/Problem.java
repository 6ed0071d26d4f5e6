package dev.onramp.pipeline.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem document: what every refused or failed call of every service gets.
 *
 * @param errors the individual problems, each naming the field ({@link FieldError#pointer()}, a JSON Pointer into the
 *     body) or the query or path parameter ({@link FieldError#parameter()}) it is about; absent when there are none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String BASE = "https://onramp.dev/problems/";

    public Problem {
        errors = errors == null || errors.isEmpty() ? null : List.copyOf(errors);
    }

    public static Problem of(int status, String slug, String title, String detail) {
        return of(status, slug, title, detail, null);
    }

    public static Problem of(int status, String slug, String title, String detail, List<FieldError> errors) {
        return new Problem(BASE + slug, title, status, detail, null, errors);
    }

    /** The last segment of {@link #type()}: what metrics count refusals by. */
    public String slug() {
        return type.substring(type.lastIndexOf('/') + 1);
    }

    public Problem at(String instance) {
        return new Problem(type, title, status, detail, instance, errors);
    }

    /** One problem with one field of the body or one query parameter. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldError(String pointer, String parameter, String detail) {

        /** A problem with the body's field at {@code pointer} (a JSON Pointer such as {@code /batch/3/userId}). */
        public FieldError(String pointer, String detail) {
            this(pointer, null, detail);
        }

        /** A problem with the query or path parameter {@code name}. */
        public static FieldError parameter(String name, String detail) {
            return new FieldError(null, name, detail);
        }
    }
}
