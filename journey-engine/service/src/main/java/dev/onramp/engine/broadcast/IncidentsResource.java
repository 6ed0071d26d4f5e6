package dev.onramp.engine.broadcast;

import dev.onramp.engine.broadcast.Incidents.IncidentView;
import dev.onramp.pipeline.problem.ProblemException;
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
import java.sql.SQLException;
import java.util.List;

/**
 * Incidents ({@code docs/broadcasts.md#incidents}): open one with its first notice, send updates and the resolve to
 * exactly the users who received the notice, and see the timeline with each message's counts. Each message is a
 * broadcast, sent by the same fan-out and the same send rules; {@link Incidents} does the work, for the console too.
 */
@Path("/v1/incidents")
@Produces(MediaType.APPLICATION_JSON)
public class IncidentsResource {

    public record Page(List<IncidentView> incidents) {}

    private final Incidents incidents;

    IncidentsResource(Incidents incidents) {
        this.incidents = incidents;
    }

    /** Opens an incident and sends its first notice, a broadcast ({@code title} is its name). */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response open(@HeaderParam("Idempotency-Key") String key, byte[] body) {
        Incidents.Result result = incidents.open(key, body);
        return Response.status(Response.Status.CREATED)
                .header("Location", "/v1/incidents/" + result.view().id())
                .header("Idempotent-Replayed", result.replayed() ? "true" : null)
                .entity(result.view())
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
        return created(incidents.followUp(id, "update", key, body));
    }

    /** Sends the closing message, with what to do now, to the notice's recipients, and resolves the incident. */
    @POST
    @Path("{id}/resolve")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response resolve(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String key, byte[] body) {
        return created(incidents.followUp(id, "resolve", key, body));
    }

    @GET
    public Page list(@QueryParam("limit") @DefaultValue("50") int limit) throws SQLException {
        if (limit < 1 || limit > 500) {
            throw ProblemException.badParameter("limit", "1 to 500");
        }
        return new Page(incidents.latest(limit));
    }

    @GET
    @Path("{id}")
    public IncidentView get(@PathParam("id") String id) throws SQLException {
        return incidents.find(id).orElseThrow(() -> Incidents.notFound(id));
    }

    private static Response created(Incidents.Result result) {
        return Response.status(Response.Status.CREATED)
                .header("Idempotent-Replayed", result.replayed() ? "true" : null)
                .entity(result.view())
                .build();
    }
}
