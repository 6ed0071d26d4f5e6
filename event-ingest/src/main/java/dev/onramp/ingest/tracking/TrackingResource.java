package dev.onramp.ingest.tracking;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.ingest.IngestConfig;
import dev.onramp.ingest.IngestMetrics;
import dev.onramp.ingest.Refusals;
import dev.onramp.ingest.publish.EventPublisher;
import dev.onramp.ingest.publish.EventPublisher.Outgoing;
import dev.onramp.ingest.publish.Traceparent;
import dev.onramp.pipeline.problem.Problem.FieldError;
import io.micrometer.core.instrument.Timer;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;

/**
 * The Segment HTTP Tracking API ({@code docs/api/event-ingest/openapi.yaml}). Answers 200 only once Kafka
 * acknowledged every event of the call; a rejected call gets a problem document naming each field at fault, and
 * nothing of it is written. Runs on the I/O threads: nothing here blocks (see {@link EventPublisher#publish}).
 */
@Path("/v1")
@NonBlocking
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
public class TrackingResource {

    private static final Logger LOG = Logger.getLogger(TrackingResource.class);
    private static final Map<String, Boolean> SUCCESS = Map.of("success", true);

    private final IngestConfig config;
    private final WriteKeys writeKeys;
    private final RateLimits rateLimits;
    private final EventPublisher publisher;
    private final IngestMetrics metrics;
    private final ObjectMapper json;
    private final InstantSource clock;
    private final EventNormalizer normalizer;
    private final BrowserOrigins origins;

    TrackingResource(
            IngestConfig config,
            WriteKeys writeKeys,
            BrowserOrigins origins,
            TrustedTraits trustedTraits,
            RateLimits rateLimits,
            EventPublisher publisher,
            IngestMetrics metrics,
            ObjectMapper json,
            InstantSource clock) {
        this.config = config;
        this.writeKeys = writeKeys;
        this.origins = origins;
        this.rateLimits = rateLimits;
        this.publisher = publisher;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
        this.normalizer = new EventNormalizer(json, trustedTraits);
    }

    @POST
    @Path("{type: track|identify|page|screen|group|alias|t|i|p|s|g|a}{slash: /?}")
    public CompletionStage<Response> single(
            @PathParam("type") String path,
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("Origin") String origin,
            @HeaderParam("traceparent") String traceparent,
            @HeaderParam("Content-Encoding") String encoding,
            byte[] compressed) {
        Instant receivedAt = clock.instant();
        String sourceByHeader = writeKeys.fromHeader(authorization);
        byte[] body = Bodies.decode(compressed, encoding, config.maxEventBytes(), "An event");
        ObjectNode raw = parseObject(body);
        String source = sourceByHeader != null ? sourceByHeader : writeKeys.fromBody(text(raw, "writeKey"));
        origins.check(source, origin);
        EventType type = EventType.of(path).orElseThrow();
        List<FieldError> errors = new ArrayList<>();
        EventNormalizer.Normalized event = normalizer.normalize(raw, type, source, receivedAt, null, "", errors);
        if (!errors.isEmpty()) {
            throw Refusals.invalid("The " + type.wireName() + " call has invalid fields.", errors);
        }
        rateLimits.take(source, 1);
        return publish(source, List.of(outgoing(event, Traceparent.continueOrStart(traceparent))));
    }

    @POST
    @Path("{type: batch|b|import}{slash: /?}")
    public CompletionStage<Response> batch(
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("Origin") String origin,
            @HeaderParam("traceparent") String traceparent,
            @HeaderParam("Content-Encoding") String encoding,
            byte[] compressed) {
        Instant receivedAt = clock.instant();
        String sourceByHeader = writeKeys.fromHeader(authorization);
        byte[] body = Bodies.decode(compressed, encoding, config.maxBatchBytes(), "A batch");
        ObjectNode raw = parseObject(body);
        String source = sourceByHeader != null ? sourceByHeader : writeKeys.fromBody(text(raw, "writeKey"));
        origins.check(source, origin);
        JsonNode items = raw.get("batch");
        if (items == null || !items.isArray()) {
            throw Refusals.invalid(
                    "A batch call carries its events in an array named batch.",
                    List.of(new FieldError("/batch", "is required and must be an array of events")));
        }
        List<FieldError> errors = new ArrayList<>();
        Instant sentAt = null;
        JsonNode sentAtNode = raw.get("sentAt");
        if (sentAtNode != null && !sentAtNode.isNull()) {
            sentAt = sentAtNode.isTextual() ? EventNormalizer.parseTime(sentAtNode.asText()) : null;
            if (sentAt == null) {
                errors.add(new FieldError("/sentAt", "must be an ISO-8601 date-time such as 2026-03-02T09:00:00Z"));
            }
        }
        JsonNode sharedContext = raw.get("context");
        String trace = Traceparent.continueOrStart(traceparent);
        List<Outgoing> records = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (sharedContext != null && sharedContext.isObject() && item.isObject() && !item.has("context")) {
                // A copy each: what one item's screening takes out of it (a signature) is not taken from the others.
                ((ObjectNode) item).set("context", sharedContext.deepCopy());
            }
            EventNormalizer.Normalized event =
                    normalizer.normalize(item, null, source, receivedAt, sentAt, "/batch/" + i, errors);
            if (event != null) {
                Outgoing outgoing = outgoing(event, trace);
                if (outgoing.value().length > config.maxEventBytes()) {
                    errors.add(new FieldError("/batch/" + i, "is larger than " + config.maxEventBytes() + " bytes"));
                } else {
                    records.add(outgoing);
                }
            }
        }
        if (!errors.isEmpty()) {
            // All or nothing: a batch with any invalid event is not written at all, so fixing and resending it
            // cannot duplicate the good ones.
            throw Refusals.invalid(
                    "The batch was not accepted: " + errors.size() + " problem(s) in its events; none was written.",
                    errors);
        }
        if (records.isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(
                    Response.ok(SUCCESS).build());
        }
        rateLimits.take(source, records.size());
        return publish(source, records);
    }

    private CompletionStage<Response> publish(String source, List<Outgoing> records) {
        Timer.Sample sample = Timer.start();
        return publisher.publish(records).handle((ok, error) -> {
            sample.stop(metrics.produceTimer());
            if (error != null) {
                LOG.warnf("could not write %d event(s) to Kafka: %s", records.size(), error.toString());
                throw Refusals.unavailable(
                        "The events could not be stored right now and were not accepted; retry later.", 5);
            }
            metrics.accepted(source, records.size());
            return Response.ok(SUCCESS).build();
        });
    }

    private Outgoing outgoing(EventNormalizer.Normalized event, String traceparent) {
        metrics.cleaned(event.cleaned());
        return new Outgoing(event.key(), event.json(), traceparent);
    }

    private ObjectNode parseObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw Refusals.malformed("The body is empty; send the event as a JSON object.");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            var location = e.getLocation();
            String where = location == null || location.getLineNr() < 0
                    ? ""
                    : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            throw Refusals.malformed("The body is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw Refusals.malformed("The body is not valid UTF-8 JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw Refusals.malformed("The body must be a JSON object.");
        }
        return (ObjectNode) node;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = newline > 0 ? message.substring(0, newline) : message;
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }
}
