package dev.onramp.templates;

import io.quarkus.qute.Template;
import java.util.Map;

/**
 * One channel's version of a template in one locale: header fields (an email's subject, an in-app message's title,
 * action and url) and a body, each a Qute template.
 *
 * @param locale {@code null} for the default
 * @param text an email's plain-text part when written separately; otherwise it is derived from the HTML
 */
public record MessageTemplate(
        String name,
        Channel channel,
        String locale,
        Map<String, Template> headers,
        Template body,
        Template text,
        String file) {

    public MessageTemplate {
        headers = Map.copyOf(headers);
    }
}
