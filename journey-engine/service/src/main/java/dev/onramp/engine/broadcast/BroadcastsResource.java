package dev.onramp.engine.broadcast;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.model.Channel;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Broadcasts by API ({@code docs/broadcasts.md}): create one (with an {@code Idempotency-Key}, so a retried call
 * creates nothing), list them, see one with its counts while it sends, cancel the rest. The send itself is
 * {@link BroadcastFanOut}'s.
 */
@Path("/v1/broadcasts")
@Produces(MediaType.APPLICATION_JSON)
public class BroadcastsResource {

    /** A broadcast and where its send stands. */
    public record View(
            String id,
            String name,
            String state,
            String priority,
            String category,
            List<String> channels,
            String template,
            String sender,
            Audience audience,
            Instant createdAt,
            Instant startsAt,
            Instant expiresAt,
            Instant finishedAt,
            Instant cancelledAt,
            Counts counts,
            Map<String, Long> sentBy,
            Map<String, Map<String, Long>> reasons) {}

    /**
     * Who is told: {@code size} users so far; {@code complete} once the snapshot has looked at every user the engine
     * knew at the start (a list is complete at once; a cancel ends the snapshot where it was).
     */
    public record Audience(String kind, String where, long size, boolean complete) {}

    /**
     * Recipients by state: they add up to {@code audience}. {@code pending} and {@code deferred} are still to be
     * handled; the others are final.
     */
    public record Counts(
            long audience, long pending, long deferred, long sent, long skipped, long expired, long cancelled) {}

    /** A page of broadcasts, newest first. */
    public record Page(List<View> broadcasts) {}

    private static final int MAX_KEY = 200;

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final BroadcastStore store;
    private final BroadcastFanOut fanOut;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final ObjectMapper json;
    private final Conditions conditions = new Conditions();

    BroadcastsResource(
            EngineConfig config,
            JourneyRegistry registry,
            BroadcastStore store,
            BroadcastFanOut fanOut,
            DataSource dataSource,
            InstantSource clock,
            ObjectMapper json) {
        this.config = config;
        this.registry = registry;
        this.store = store;
        this.fanOut = fanOut;
        this.dataSource = dataSource;
        this.clock = clock;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(@HeaderParam("Idempotency-Key") String key, byte[] body) throws SQLException {
        if (key != null && (key.isBlank() || key.length() > MAX_KEY)) {
            throw ProblemException.badParameter("Idempotency-Key", "1 to " + MAX_KEY + " characters");
        }
        JsonNode tree;
        try {
            tree = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("The body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ProblemException.badRequest("The body cannot be read: " + e.getMessage());
        }
        JourneyRegistry.Live live = registry.current()
                .orElseThrow(() -> new ProblemException(Problem.of(
                        503,
                        "not-ready",
                        "Not ready",
                        "No journeys folder has loaded yet, so templates and teammates are unknown; see /q/health.")));
        BroadcastSpec spec = BroadcastSpec.read(
                tree,
                new BroadcastSpec.Context(
                        conditions,
                        live.templates(),
                        live.team(),
                        config.broadcasts().maxListedUsers()));
        String hash = digest(body);
        Created created = QuarkusTransaction.requiringNew().call(() -> create(key, hash, spec));
        if (!created.replayed()) {
            fanOut.wake();
        }
        return Response.status(Response.Status.CREATED)
                .header("Location", "/v1/broadcasts/" + created.view().id())
                .header("Idempotent-Replayed", created.replayed() ? "true" : null)
                .entity(created.view())
                .build();
    }

    private record Created(View view, boolean replayed) {}

    /** In its own transaction: with a key, under an advisory lock on it until the answer is committed. */
    private Created create(String key, String hash, BroadcastSpec spec) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            if (key != null) {
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtextextended(?, 29))")) {
                    ps.setString(1, "broadcast:" + key);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            throw new ProblemException(Problem.of(
                                    409,
                                    "in-progress",
                                    "Still in progress",
                                    "A request with this Idempotency-Key is still being handled; ask again when it"
                                            + " has answered."));
                        }
                    }
                }
                var existing = store.findByKey(c, key);
                if (existing.isPresent()) {
                    if (!existing.get().requestHash().equals(hash)) {
                        throw new ProblemException(Problem.of(
                                422,
                                "idempotency-key-reused",
                                "Idempotency-Key reused",
                                "Broadcast " + existing.get().id()
                                        + " was created with this Idempotency-Key and another"
                                        + " body; a new broadcast needs a new key.",
                                List.of(Problem.FieldError.parameter(
                                        "Idempotency-Key", "already used with another body"))));
                    }
                    return new Created(view(c, existing.get(), now), true);
                }
            }
            String id = "b-" + UUID.randomUUID();
            store.create(c, id, spec, key, hash, now);
            return new Created(view(c, store.find(c, id).orElseThrow(), now), false);
        }
    }

    @GET
    public Page list(@QueryParam("limit") @DefaultValue("50") int limit) throws SQLException {
        if (limit < 1 || limit > 500) {
            throw ProblemException.badParameter("limit", "1 to 500");
        }
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            List<View> views = new ArrayList<>();
            for (BroadcastStore.Row row : store.latest(c, limit)) {
                views.add(view(c, row, now));
            }
            return new Page(views);
        }
    }

    @GET
    @Path("{id}")
    public View get(@PathParam("id") String id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return view(c, store.find(c, id).orElseThrow(() -> notFound(id)), clock.instant());
        }
    }

    /**
     * Stops the rest: every recipient not yet handed to dispatch is counted as cancelled, and once this answers no
     * more of the broadcast's messages are written. Cancelling a broadcast that has ended answers it as it ended.
     */
    @POST
    @Path("{id}/cancel")
    @Transactional(rollbackOn = Exception.class)
    public View cancel(@PathParam("id") String id) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            store.find(c, id).orElseThrow(() -> notFound(id));
            store.cancel(c, id, now);
            return view(c, store.find(c, id).orElseThrow(), now);
        }
    }

    private View view(Connection c, BroadcastStore.Row row, Instant now) throws SQLException {
        BroadcastStore.Counts counts = store.counts(c, row.id());
        BroadcastSpec spec = row.spec();
        String state = row.state().equals("sending") && row.startsAt().isAfter(now) ? "scheduled" : row.state();
        return new View(
                row.id(),
                row.name(),
                state,
                spec.priority().wireName(),
                spec.category().wireName(),
                spec.channels().stream().map(Channel::wireName).toList(),
                spec.template(),
                spec.sender() == null ? null : spec.sender().id(),
                new Audience(
                        spec.audience().wireName(),
                        spec.where(),
                        counts.audience(),
                        row.snapshotDone() || row.state().equals("cancelled")),
                row.createdAt(),
                row.startsAt(),
                row.expiresAt(),
                row.finishedAt(),
                row.cancelledAt(),
                new Counts(
                        counts.audience(),
                        counts.of(BroadcastStore.Status.PENDING),
                        counts.of(BroadcastStore.Status.DEFERRED),
                        counts.of(BroadcastStore.Status.SENT),
                        counts.of(BroadcastStore.Status.SKIPPED),
                        counts.of(BroadcastStore.Status.EXPIRED),
                        counts.of(BroadcastStore.Status.CANCELLED)),
                counts.sentBy(),
                counts.reasons());
    }

    private static ProblemException notFound(String id) {
        return ProblemException.notFound("No broadcast '" + id + "'.");
    }

    private static String digest(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
