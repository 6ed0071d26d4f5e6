package dev.onramp.dispatch.inapp;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.outbox.DeliveryEvent;
import dev.onramp.dispatch.outbox.Outbox;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import io.smallrye.mutiny.Multi;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A user's in-app inbox. Every call needs the user's hash ({@code X-Onramp-User-Hash} header or {@code userHash}
 * query parameter), which only the product's backend can compute, so nobody reads another's inbox.
 */
@Path("/v1/inbox/{userId}")
@Produces(MediaType.APPLICATION_JSON)
public class InboxResource {

    private final DispatchConfig config;
    private final Inbox inbox;
    private final Outbox outbox;
    private final InstantSource clock;
    private final InboxStreams streams;
    private final InboxAccess access;

    InboxResource(
            DispatchConfig config,
            Inbox inbox,
            Outbox outbox,
            InstantSource clock,
            InboxStreams streams,
            InboxAccess access) {
        this.streams = streams;
        this.access = access;
        this.config = config;
        this.inbox = inbox;
        this.outbox = outbox;
        this.clock = clock;
    }

    /**
     * @param feedback what the widget offers for writing back: the categories a user may choose from (empty when none
     *     are configured), or null when conversations are off
     */
    public record Messages(String userId, long unread, List<Inbox.Message> messages, Inbox.Feedback feedback) {}

    @GET
    @Path("messages")
    public Messages messages(
            @PathParam("userId") String userId,
            @HeaderParam("X-Onramp-User-Hash") String headerHash,
            @QueryParam("userHash") String queryHash,
            @QueryParam("limit") @DefaultValue("50") int limit) {
        authorize(userId, headerHash, queryHash);
        if (limit < 1 || limit > 200) {
            throw ProblemException.badRequest("limit must be between 1 and 200");
        }
        return new Messages(userId, inbox.unread(userId), inbox.list(userId, limit), inbox.feedback());
    }

    @GET
    @Path("unread-count")
    public Map<String, Long> unread(
            @PathParam("userId") String userId,
            @HeaderParam("X-Onramp-User-Hash") String headerHash,
            @QueryParam("userHash") String queryHash) {
        authorize(userId, headerHash, queryHash);
        return Map.of("unread", inbox.unread(userId));
    }

    /**
     * The inbox, live, as Server-Sent Events: an {@code inbox} event with the unread count and the latest messages
     * when the stream opens and whenever the inbox changes. Browsers' EventSource cannot send headers, so the user
     * hash comes as the {@code userHash} query parameter.
     */
    @GET
    @Path("stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> stream(
            @PathParam("userId") String userId,
            @HeaderParam("X-Onramp-User-Hash") String headerHash,
            @QueryParam("userHash") String queryHash,
            @Context Sse sse) {
        authorize(userId, headerHash, queryHash);
        streams.reserve(userId).ifPresent(full -> {
            throw new ProblemException(Problem.of(429, "too-many-streams", "Too many live streams", full + "."));
        });
        return streams.stream(userId, sse);
    }

    @POST
    @Path("messages/{messageId}/{action: read|click|dismiss}")
    @Transactional(rollbackOn = Exception.class)
    public Response interact(
            @PathParam("userId") String userId,
            @PathParam("messageId") String messageId,
            @PathParam("action") String action,
            @HeaderParam("X-Onramp-User-Hash") String headerHash,
            @QueryParam("userHash") String queryHash)
            throws SQLException {
        authorize(userId, headerHash, queryHash);
        Inbox.Interaction interaction =
                switch (action) {
                    case "read" -> Inbox.Interaction.READ;
                    case "click" -> Inbox.Interaction.CLICK;
                    default -> Inbox.Interaction.DISMISS;
                };
        Instant now = clock.instant();
        Optional<InboxMessage> changed;
        try {
            changed = inbox.record(userId, messageId, interaction, now);
        } catch (NoSuchElementException e) {
            throw ProblemException.notFound("User '" + userId + "' has no message '" + messageId + "'.");
        }
        if (changed.isPresent()) {
            inbox.changed(List.of(userId));
            outbox.publish(
                    new DeliveryEvent(
                            messageId,
                            userId,
                            changed.get().journey,
                            changed.get().step,
                            "in_app",
                            interaction.status,
                            null,
                            null,
                            null,
                            changed.get().broadcast,
                            null),
                    now);
        }
        return Response.noContent().build();
    }

    private void authorize(String userId, String headerHash, String queryHash) {
        access.authorize(userId, headerHash, queryHash);
    }
}
