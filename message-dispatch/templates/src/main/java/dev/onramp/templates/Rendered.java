package dev.onramp.templates;

import java.util.Map;

/**
 * A message ready to send.
 *
 * @param headers rendered header fields: subject; title, action, url
 * @param body HTML for email, text otherwise
 * @param text an email's plain-text part
 */
public record Rendered(String template, String locale, Map<String, String> headers, String body, String text) {

    public Rendered {
        headers = Map.copyOf(headers);
    }

    public String header(String name) {
        return headers.get(name);
    }
}
