package dev.onramp.engine.broadcast;

import dev.onramp.broadcast.BroadcastSpec;
import dev.onramp.engine.broadcast.Broadcasts.View;
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
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Broadcasts by API ({@code docs/broadcasts.md}): create one (with an {@code Idempotency-Key}, so a retried call
 * creates nothing), list them, see one with its counts while it sends, cancel the rest. The send itself is
 * {@link BroadcastFanOut}'s.
 */
@Path("/v1/broadcasts")
@Produces(MediaType.APPLICATION_JSON)
public class BroadcastsResource {

    /** A page of broadcasts, newest first. */
    public record Page(List<View> broadcasts) {}

    private final Broadcasts broadcasts;
    private final BroadcastStore store;
    private final BroadcastFanOut fanOut;
    private final DataSource dataSource;
    private final InstantSource clock;

    BroadcastsResource(
            Broadcasts broadcasts,
            BroadcastStore store,
            BroadcastFanOut fanOut,
            DataSource dataSource,
            InstantSource clock) {
        this.broadcasts = broadcasts;
        this.store = store;
        this.fanOut = fanOut;
        this.dataSource = dataSource;
        this.clock = clock;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(@HeaderParam("Idempotency-Key") String key, byte[] body) {
        String scopedKey = Broadcasts.key(key) == null ? null : "POST /v1/broadcasts " + key;
        BroadcastSpec spec =
                Broadcasts.read(broadcasts.body(body), broadcasts.context(), BroadcastSpec.Form.BROADCAST, null, null);
        String hash = Broadcasts.digest(body);
        Broadcasts.Created created = QuarkusTransaction.requiringNew().call(() -> {
            try (Connection c = dataSource.getConnection()) {
                return broadcasts.create(c, scopedKey, hash, spec, null, null, clock.instant());
            }
        });
        if (!created.replayed()) {
            fanOut.wake();
        }
        return Response.status(Response.Status.CREATED)
                .header("Location", "/v1/broadcasts/" + created.view().id())
                .header("Idempotent-Replayed", created.replayed() ? "true" : null)
                .entity(created.view())
                .build();
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
                views.add(broadcasts.view(c, row, now));
            }
            return new Page(views);
        }
    }

    @GET
    @Path("{id}")
    public View get(@PathParam("id") String id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return broadcasts.view(c, store.find(c, id).orElseThrow(() -> Broadcasts.notFound(id)), clock.instant());
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
            store.find(c, id).orElseThrow(() -> Broadcasts.notFound(id));
            store.cancel(c, id, now);
            return broadcasts.view(c, store.find(c, id).orElseThrow(), now);
        }
    }
}
