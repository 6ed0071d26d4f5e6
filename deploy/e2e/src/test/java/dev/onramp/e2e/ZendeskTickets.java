package dev.onramp.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a WireMock stub answers when it stands in for Zendesk's Tickets API, kept as Zendesk keeps it: {@code POST
 * /api/v2/tickets} opens a ticket (201, its id) and remembers its {@code external_id}; the same {@code
 * Idempotency-Key} again answers the first response ({@code x-idempotency-lookup: hit}) and opens nothing; {@code GET
 * /api/v2/tickets?external_id=} lists the tickets of that external id; {@code PUT /api/v2/tickets/{id}} adds the
 * comment (404 for a ticket it does not have). A stub's own delay still applies, so a test can make Zendesk accept a
 * ticket and answer too late.
 */
final class ZendeskTickets implements ResponseDefinitionTransformerV2 {

    static final String NAME = "zendesk-tickets";

    /** A ticket as opened: its id, the create call's body, and the comments added to it since. */
    record Ticket(int id, String externalId, JsonNode created, List<String> comments) {}

    private final ObjectMapper json = new ObjectMapper();
    private final AtomicInteger next = new AtomicInteger(1000);
    private final Map<Integer, Ticket> tickets = new ConcurrentHashMap<>();
    private final Map<String, String> byIdempotencyKey = new ConcurrentHashMap<>();

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    /** The tickets opened for this external id (a conversation): exactly one when nothing was duplicated. */
    List<Ticket> of(String externalId) {
        return tickets.values().stream()
                .filter(t -> externalId.equals(t.externalId()))
                .toList();
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        Request request = event.getRequest();
        String path = request.getUrl().replaceAll("\\?.*", "");
        try {
            return switch (request.getMethod().getName()) {
                case "POST" -> open(event, request);
                case "GET" -> {
                    String externalId = request.queryParameter("external_id").firstValue();
                    ObjectNode found = json.createObjectNode();
                    var list = found.putArray("tickets");
                    of(externalId)
                            .forEach(t -> list.addObject().put("id", t.id()).put("external_id", t.externalId()));
                    yield answer(event, 200, found.toString(), null);
                }
                case "PUT" -> {
                    Ticket ticket = tickets.get(Integer.parseInt(path.substring(path.lastIndexOf('/') + 1)));
                    if (ticket == null) {
                        yield answer(event, 404, "{\"error\":\"RecordNotFound\"}", null);
                    }
                    ticket.comments()
                            .add(json.readTree(request.getBodyAsString())
                                    .at("/ticket/comment/body")
                                    .asText());
                    yield answer(event, 200, "{\"ticket\":{\"id\":" + ticket.id() + "}}", null);
                }
                default -> answer(event, 405, "{}", null);
            };
        } catch (IOException | RuntimeException e) {
            return answer(event, 400, "{\"error\":\"" + e.getClass().getSimpleName() + "\"}", null);
        }
    }

    private ResponseDefinition open(ServeEvent event, Request request) throws IOException {
        String key = request.getHeader("Idempotency-Key");
        if (key != null && byIdempotencyKey.containsKey(key)) {
            return answer(event, 201, byIdempotencyKey.get(key), "hit");
        }
        JsonNode body = json.readTree(request.getBodyAsString());
        int id = next.getAndIncrement();
        tickets.put(
                id,
                new Ticket(
                        id,
                        body.at("/ticket/external_id").asText(null),
                        body.get("ticket"),
                        new java.util.concurrent.CopyOnWriteArrayList<>()));
        ObjectNode answer = json.createObjectNode();
        answer.putObject("ticket").put("id", id);
        if (key != null) {
            byIdempotencyKey.put(key, answer.toString());
        }
        return answer(event, 201, answer.toString(), key == null ? null : "miss");
    }

    private static ResponseDefinition answer(ServeEvent event, int status, String body, String lookup) {
        HttpHeaders headers = new HttpHeaders(HttpHeader.httpHeader("Content-Type", "application/json"));
        if (lookup != null) {
            headers = headers.plus(HttpHeader.httpHeader("x-idempotency-lookup", lookup));
        }
        return ResponseDefinitionBuilder.like(event.getResponseDefinition())
                .but()
                .withStatus(status)
                .withHeaders(headers)
                .withBody(body)
                .build();
    }
}
