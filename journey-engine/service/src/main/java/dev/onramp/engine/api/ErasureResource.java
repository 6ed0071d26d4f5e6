package dev.onramp.engine.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.outbox.OutboxRelay;
import dev.onramp.engine.state.StateStore;
import dev.onramp.pipeline.Tombstones;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Erasing a user everywhere (GDPR art. 17): the request goes on {@code onramp.erasures}, written through the outbox in
 * the same transaction as the answer, and every service — this one, message-dispatch — applies it from there, on
 * every instance that holds the user's data. {@code GET} tells whether this engine has applied it.
 */
@Path("/v1/users/{userId}/erasure")
@Produces(MediaType.APPLICATION_JSON)
public class ErasureResource {

    /** The request, as accepted. */
    public record Accepted(String requestId, String userId, Instant requestedAt) {}

    /** What this engine has applied. */
    public record Status(String userId, boolean erased, Instant requestedAt, Instant appliedAt) {}

    private final EngineConfig config;
    private final StateStore store;
    private final OutboxRelay relay;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final ObjectMapper json;

    ErasureResource(
            EngineConfig config,
            StateStore store,
            OutboxRelay relay,
            DataSource dataSource,
            InstantSource clock,
            ObjectMapper json) {
        this.config = config;
        this.store = store;
        this.relay = relay;
        this.dataSource = dataSource;
        this.clock = clock;
        this.json = json;
    }

    @POST
    @Transactional(rollbackOn = Exception.class)
    public Response erase(@PathParam("userId") String userId) throws Exception {
        if (userId == null || userId.isBlank() || userId.length() > 1_024) {
            throw ProblemException.badParameter("userId", "a user id, 1 to 1,024 characters");
        }
        Instant now = clock.instant();
        Accepted accepted = new Accepted(UUID.randomUUID().toString(), userId, now);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("requestId", accepted.requestId());
        record.put("userId", userId);
        record.put("requestedAt", now.toString());
        try (Connection c = dataSource.getConnection()) {
            store.enqueue(
                    c,
                    List.of(new StateStore.OutboxRecord(
                            config.topics().erasures(), userId, json.writeValueAsBytes(record), Map.of())),
                    now);
        }
        relay.afterCommit();
        return Response.accepted(accepted).build();
    }

    @GET
    public Status status(@PathParam("userId") String userId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT requested_at, applied_at FROM erasures WHERE user_digest = ?")) {
            ps.setString(1, Tombstones.digest(userId));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw ProblemException.notFound("No erasure of user '" + userId + "' has been applied here (yet).");
                }
                return new Status(
                        userId,
                        true,
                        rs.getTimestamp(1).toInstant(),
                        rs.getTimestamp(2).toInstant());
            }
        }
    }
}
