package dev.onramp.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem document: what every rejected call gets.
 *
 * @param errors the individual problems, each pointing (JSON Pointer) at the field it is about
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String BASE = "https://onramp.dev/problems/";

    public Problem {
        errors = errors == null || errors.isEmpty() ? null : List.copyOf(errors);
    }

    public static Problem of(int status, String slug, String title, String detail, List<FieldError> errors) {
        return new Problem(BASE + slug, title, status, detail, null, errors);
    }

    public Problem at(String instance) {
        return new Problem(type, title, status, detail, instance, errors);
    }

    /** One problem with one field of the request. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldError(String pointer, String detail) {}
}
