package dev.onramp.dispatch.handoff;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * A chat alert for a team outside support: a Slack-compatible incoming webhook ({@code {"text": ...}}). Slack takes
 * about one message a second per webhook, so the worker hands a burst over as one message listing them all (see
 * {@link HandoffWorker}); 429 and {@code Retry-After} are honoured.
 */
final class ChatAlert {

    /** The most conversations one alert lists; a longer burst is said as "and N more". */
    static final int MAX_LISTED = 10;

    private final HttpClient http;
    private final ObjectMapper json;

    ChatAlert(HttpClient http, ObjectMapper json) {
        this.http = http;
        this.json = json;
    }

    Handed hand(DispatchConfig.Destination config, List<Handoff> burst) throws IOException, InterruptedException {
        String body = json.createObjectNode().put("text", text(burst)).toString();
        HttpResponse<Void> response = http.send(
                HttpRequest.newBuilder(URI.create(config.url().orElseThrow()))
                        .timeout(config.timeout())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        return Handed.ofStatus(
                "the chat webhook",
                response.statusCode(),
                response.headers().firstValue("Retry-After").orElse(null));
    }

    /** One line per conversation, as text: Slack's own markup in what users wrote is neutralised. */
    static String text(List<Handoff> burst) {
        StringBuilder out = new StringBuilder();
        if (burst.size() > 1) {
            out.append(burst.size()).append(" new messages from users\n");
        }
        int listed = 0;
        for (Handoff h : burst) {
            if (listed++ == MAX_LISTED) {
                out.append("…and ").append(burst.size() - MAX_LISTED).append(" more\n");
                break;
            }
            out.append(h.first() ? "New conversation" : "Follow-up");
            if (h.priority() != null) {
                out.append(" (").append(h.priority()).append(")");
            }
            if (!h.tags().isEmpty()) {
                out.append(" [").append(String.join(", ", h.tags())).append("]");
            }
            out.append(" from ").append(plain(h.requesterName() != null ? h.requesterName() : h.userId()));
            if (h.step() != null) {
                out.append(" at step ").append(plain(h.step()));
            }
            String text = h.text().strip().replaceAll("\\s+", " ");
            out.append(": ")
                    .append(plain(text.length() > 200 ? text.substring(0, 200) + "…" : text))
                    .append('\n');
        }
        return out.toString().strip();
    }

    /** Slack reads &lt; &gt; &amp; as markup (links, mentions): escaped, as its docs ask. */
    static String plain(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
