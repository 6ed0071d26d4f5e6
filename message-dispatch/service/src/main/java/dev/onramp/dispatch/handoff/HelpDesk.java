package dev.onramp.dispatch.handoff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.dispatch.DispatchConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A help desk in the shape of Zendesk's Tickets API: the conversation's first message opens a ticket
 * ({@code POST /api/v2/tickets} with the requester, tags, priority, {@code external_id} = the conversation, and an
 * {@code Idempotency-Key}, so a retried create — after a timeout the help desk had in fact accepted — makes no second
 * ticket), each later one is a public comment on it ({@code PUT /api/v2/tickets/{id}}). Before creating again after
 * a failed attempt, the ticket is looked for by {@code external_id}. API token ({@code email/token:token}, Basic) or
 * OAuth bearer; 429 and {@code Retry-After} are honoured.
 */
final class HelpDesk {

    private final HttpClient http;
    private final ObjectMapper json;

    HelpDesk(HttpClient http, ObjectMapper json) {
        this.http = http;
        this.json = json;
    }

    /**
     * @param ticket the conversation's ticket when one is known; null to open (or find) it
     * @param attempts attempts made before this one
     */
    Handed hand(DispatchConfig.Destination config, Handoff h, String ticket, int attempts)
            throws IOException, InterruptedException {
        String base = config.url().orElseThrow().replaceAll("/+$", "");
        if (ticket == null && (attempts > 0 || !h.first())) {
            ticket = find(config, base, h.conversation());
            if (ticket != null && h.first()) {
                return Handed.done("ticket " + ticket + " was opened by an earlier attempt", ticket);
            }
        }
        if (ticket == null) {
            return open(config, base, h);
        }
        return comment(config, base, h, ticket);
    }

    private Handed open(DispatchConfig.Destination config, String base, Handoff h)
            throws IOException, InterruptedException {
        ObjectNode body = json.createObjectNode();
        ObjectNode t = body.putObject("ticket");
        t.put("subject", h.subject() != null ? h.subject() : subject(h));
        t.putObject("comment").put("body", h.text()).put("public", true);
        if (h.requesterEmail() != null) {
            ObjectNode requester = t.putObject("requester");
            requester.put("name", h.requesterName() != null ? h.requesterName() : h.requesterEmail());
            requester.put("email", h.requesterEmail());
        }
        var tags = t.putArray("tags");
        h.tags().forEach(tags::add);
        if (h.priority() != null) {
            t.put("priority", h.priority().equals("normal") ? "normal" : h.priority());
        }
        Long group = h.team() == null ? null : config.groups().get(h.team());
        if (group != null) {
            t.put("group_id", group);
        }
        t.put("external_id", h.conversation());
        HttpResponse<String> response = send(
                config,
                HttpRequest.newBuilder(URI.create(base + "/api/v2/tickets"))
                        .header("Idempotency-Key", h.messageId())
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        if (response.statusCode() == 201 || response.statusCode() == 200) {
            String id = ticketId(response.body());
            return id == null
                    ? Handed.retry("the help desk answered " + response.statusCode() + " without a ticket id", null)
                    : Handed.done("opened ticket " + id, id);
        }
        return Handed.ofStatus("the help desk", response.statusCode(), header(response, "Retry-After"));
    }

    private Handed comment(DispatchConfig.Destination config, String base, Handoff h, String ticket)
            throws IOException, InterruptedException {
        ObjectNode body = json.createObjectNode();
        body.putObject("ticket").putObject("comment").put("body", h.text()).put("public", true);
        HttpResponse<String> response = send(
                config,
                HttpRequest.newBuilder(URI.create(base + "/api/v2/tickets/" + ticket))
                        .header("Idempotency-Key", h.messageId())
                        .PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
        Handed handed = Handed.ofStatus("the help desk", response.statusCode(), header(response, "Retry-After"));
        return handed.kind() == Handed.Kind.DONE ? Handed.done("commented on ticket " + ticket, ticket) : handed;
    }

    /** The ticket whose external_id is the conversation, if the help desk has one. */
    private String find(DispatchConfig.Destination config, String base, String conversation)
            throws IOException, InterruptedException {
        HttpResponse<String> response = send(
                config,
                HttpRequest.newBuilder(URI.create(base + "/api/v2/tickets?external_id="
                                + URLEncoder.encode(conversation, StandardCharsets.UTF_8)))
                        .GET());
        if (response.statusCode() != 200) {
            return null;
        }
        JsonNode tickets = json.readTree(response.body()).path("tickets");
        return tickets.isArray() && !tickets.isEmpty()
                ? tickets.get(0).path("id").asText(null)
                : null;
    }

    private HttpResponse<String> send(DispatchConfig.Destination config, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        request.timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("User-Agent", "Onramp");
        String token = config.token().orElse("");
        if (config.email().isPresent()) {
            request.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString((config.email().get() + "/token:" + token)
                                            .getBytes(StandardCharsets.UTF_8)));
        } else if (!token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String ticketId(String body) {
        try {
            String id = json.readTree(body).path("ticket").path("id").asText("");
            return id.isBlank() ? null : id;
        } catch (IOException e) {
            return null;
        }
    }

    private static String subject(Handoff h) {
        String text = h.text().strip().replaceAll("\\s+", " ");
        String start = text.length() > 60 ? text.substring(0, 60) + "…" : text;
        return (h.step() != null ? "[" + h.step() + "] " : "") + start;
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** A request that timed out may have been accepted: the next attempt finds out (external_id, Idempotency-Key). */
    static Handed timedOut(HttpTimeoutException e) {
        return Handed.retry("the help desk did not answer in time", null);
    }
}
