package dev.onramp.engine.broadcast;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onramp.engine.broadcast.Broadcasts.View;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
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
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Incidents ({@code docs/broadcasts.md#incidents}): open one with its first notice, send updates and the resolve to
 * exactly the users who received the notice, and see the timeline with each message's counts. Each message is a
 * broadcast, sent by the same fan-out and the same send rules.
 */
@Path("/v1/incidents")
@Produces(MediaType.APPLICATION_JSON)
public class IncidentsResource {

    /**
     * An incident and its timeline.
     *
     * @param recipients those who received the first notice: its updates and resolve go to them
     * @param timeline the notice, the updates and the resolve, oldest first
     */
    public record IncidentView(
            String id,
            String title,
            String state,
            boolean holdNudges,
            Instant openedAt,
            Instant resolvedAt,
            long recipients,
            List<Part> timeline) {}

    /** One message of an incident: {@code notice}, {@code update} or {@code resolve}. */
    public record Part(String part, Instant at, Instant nextUpdateBy, View broadcast) {}

    public record Page(List<IncidentView> incidents) {}

    private final Broadcasts broadcasts;
    private final BroadcastStore store;
    private final IncidentStore incidents;
    private final BroadcastFanOut fanOut;
    private final DataSource dataSource;
    private final InstantSource clock;

    IncidentsResource(
            Broadcasts broadcasts,
            BroadcastStore store,
            IncidentStore incidents,
            BroadcastFanOut fanOut,
            DataSource dataSource,
            InstantSource clock) {
        this.broadcasts = broadcasts;
        this.store = store;
        this.incidents = incidents;
        this.fanOut = fanOut;
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** Opens an incident and sends its first notice, a broadcast ({@code title} is its name). */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response open(@HeaderParam("Idempotency-Key") String key, byte[] body) {
        String scopedKey = Broadcasts.key(key) == null ? null : "POST /v1/incidents " + key;
        JsonNode tree = broadcasts.body(body);
        JsonNode hold = tree == null ? null : tree.get("holdNudges");
        if (hold != null && !hold.isBoolean()) {
            throw ProblemException.badField("/holdNudges", "true or false");
        }
        String id = "inc-" + UUID.randomUUID().toString().substring(0, 8);
        boolean holds = hold == null || hold.asBoolean();
        BroadcastSpec spec = BroadcastSpec.read(
                        tree, broadcasts.context(), BroadcastSpec.Form.INCIDENT_NOTICE, id, null)
                .holdingNudges(holds);
        String hash = Broadcasts.digest(body);
        boolean[] replayed = {false};
        IncidentView view = QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.instant();
            try (Connection c = dataSource.getConnection()) {
                if (scopedKey != null) {
                    Broadcasts.lockKey(c, scopedKey);
                    var existing = incidents.findByKey(c, scopedKey);
                    if (existing.isPresent()) {
                        if (!existing.get().requestHash().equals(hash)) {
                            throw Broadcasts.keyReused(
                                    "Incident " + existing.get().id());
                        }
                        replayed[0] = true;
                        return view(c, existing.get(), now);
                    }
                }
                Broadcasts.Created notice = broadcasts.create(c, null, hash, spec, "notice", null, now);
                incidents.create(
                        c,
                        id,
                        spec.name(),
                        holds,
                        scopedKey,
                        hash,
                        notice.view().id(),
                        now);
                return view(c, incidents.find(c, id).orElseThrow(), now);
            }
        });
        if (!replayed[0]) {
            fanOut.wake();
        }
        return Response.status(Response.Status.CREATED)
                .header("Location", "/v1/incidents/" + view.id())
                .header("Idempotent-Replayed", replayed[0] ? "true" : null)
                .entity(view)
                .build();
    }

    /**
     * Sends an update to exactly the users who received the first notice — none who joined later, none who were
     * skipped, none it failed to reach or who unsubscribed from it — with its own channels and, optionally, when the
     * next update comes.
     */
    @POST
    @Path("{id}/updates")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response update(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String key, byte[] body) {
        return followUp(id, "update", key, body);
    }

    /** Sends the closing message, with what to do now, to the notice's recipients, and resolves the incident. */
    @POST
    @Path("{id}/resolve")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response resolve(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String key, byte[] body) {
        return followUp(id, "resolve", key, body);
    }

    private Response followUp(String id, String part, String key, byte[] body) {
        String scopedKey = Broadcasts.key(key) == null ? null : "POST /v1/incidents/" + id + "/" + part + " " + key;
        JsonNode tree = broadcasts.body(body);
        BroadcastSpec.Context context = broadcasts.context();
        String hash = Broadcasts.digest(body);
        boolean[] replayed = {false};
        IncidentView view = QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.instant();
            try (Connection c = dataSource.getConnection()) {
                IncidentStore.Row incident = incidents.lock(c, id).orElseThrow(() -> notFound(id));
                BroadcastSpec spec = BroadcastSpec.read(
                        tree,
                        context,
                        BroadcastSpec.Form.INCIDENT_FOLLOW_UP,
                        id,
                        incident.title() + (part.equals("resolve") ? ": resolved" : ": update"));
                if (scopedKey != null) {
                    Broadcasts.lockKey(c, scopedKey);
                    var existing = store.findByKey(c, scopedKey);
                    if (existing.isPresent()) {
                        if (!existing.get().requestHash().equals(hash)) {
                            throw Broadcasts.keyReused(
                                    "The " + part + " " + existing.get().id());
                        }
                        replayed[0] = true;
                        return view(c, incident, now);
                    }
                }
                if (!incident.open()) {
                    throw conflict("Incident " + id + " was resolved at " + incident.resolvedAt()
                            + "; open a new one for what happens next.");
                }
                BroadcastStore.Row notice = store.find(c, incident.notice()).orElseThrow();
                if (notice.state().equals("sending")) {
                    BroadcastStore.Counts counts = store.counts(c, notice.id());
                    throw conflict("The first notice is still being sent (" + counts.of(BroadcastStore.Status.SENT)
                            + " sent, "
                            + (counts.of(BroadcastStore.Status.PENDING) + counts.of(BroadcastStore.Status.DEFERRED))
                            + " to go" + (notice.snapshotDone() ? "" : ", its audience still being taken")
                            + "); an update goes to exactly its recipients, so post it once the notice has been sent.");
                }
                broadcasts.create(c, scopedKey, hash, spec, part, notice.id(), now);
                if (part.equals("resolve")) {
                    incidents.resolve(c, incident, now, broadcasts.holdRecheck());
                }
                return view(c, incidents.find(c, id).orElseThrow(), now);
            }
        });
        if (!replayed[0]) {
            fanOut.wake();
        }
        return Response.status(Response.Status.CREATED)
                .header("Idempotent-Replayed", replayed[0] ? "true" : null)
                .entity(view)
                .build();
    }

    @GET
    public Page list(@QueryParam("limit") @DefaultValue("50") int limit) throws SQLException {
        if (limit < 1 || limit > 500) {
            throw ProblemException.badParameter("limit", "1 to 500");
        }
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            List<IncidentView> views = new ArrayList<>();
            for (IncidentStore.Row row : incidents.latest(c, limit)) {
                views.add(view(c, row, now));
            }
            return new Page(views);
        }
    }

    @GET
    @Path("{id}")
    public IncidentView get(@PathParam("id") String id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return view(c, incidents.find(c, id).orElseThrow(() -> notFound(id)), clock.instant());
        }
    }

    private IncidentView view(Connection c, IncidentStore.Row incident, Instant now) throws SQLException {
        List<Part> timeline = new ArrayList<>();
        long recipients = 0;
        for (BroadcastStore.Row row : store.ofIncident(c, incident.id())) {
            View view = broadcasts.view(c, row, now);
            if ("notice".equals(row.part())) {
                recipients = view.counts().sent();
            }
            timeline.add(new Part(row.part(), row.createdAt(), row.spec().nextUpdateBy(), view));
        }
        return new IncidentView(
                incident.id(),
                incident.title(),
                incident.state(),
                incident.holdNudges(),
                incident.openedAt(),
                incident.resolvedAt(),
                recipients,
                timeline);
    }

    private static ProblemException notFound(String id) {
        return ProblemException.notFound("No incident '" + id + "'.");
    }

    private static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of(409, "conflict", "Conflict", detail));
    }
}
