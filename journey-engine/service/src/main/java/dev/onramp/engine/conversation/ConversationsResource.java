package dev.onramp.engine.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Teammate;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
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
import java.util.List;
import javax.sql.DataSource;

/**
 * What users wrote back, for the team (admin bearer token, docs/conversations.md): the conversations newest first, one
 * with its messages, and a teammate's answer, which goes back to the user where they wrote from.
 */
@Path("/v1/conversations")
@Produces(MediaType.APPLICATION_JSON)
public class ConversationsResource {

    private final ConversationStore store;
    private final JourneyRegistry registry;
    private final DataSource dataSource;
    private final InstantSource clock;

    private final Answering answering;

    ConversationsResource(
            ConversationStore store,
            JourneyRegistry registry,
            DataSource dataSource,
            InstantSource clock,
            Answering answering) {
        this.answering = answering;
        this.store = store;
        this.registry = registry;
        this.dataSource = dataSource;
        this.clock = clock;
    }

    public record Page(List<ConversationStore.Conversation> conversations) {}

    public record Thread(ConversationStore.Conversation conversation, List<Entry> messages) {}

    /**
     * A message as the team reads it.
     *
     * @param author {@code user}, the teammate's id, or {@code agent:<name>} for a help desk agent not in team.yaml
     * @param name who answered (null for the user, or a teammate no longer in team.yaml)
     */
    public record Entry(String id, String author, String name, String text, Instant at) {}

    @GET
    @Transactional
    public Page list(@QueryParam("status") String status, @QueryParam("limit") @DefaultValue("50") int limit)
            throws SQLException {
        if (status != null && !List.of("open", "closed", "all").contains(status)) {
            throw ProblemException.badParameter("status", "is open, closed or all");
        }
        if (limit < 1 || limit > 500) {
            throw ProblemException.badParameter("limit", "is between 1 and 500");
        }
        try (Connection c = dataSource.getConnection()) {
            return new Page(store.list(c, status == null || status.equals("all") ? null : status, limit));
        }
    }

    @GET
    @Path("{id}")
    @Transactional
    public Thread get(@PathParam("id") String id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            ConversationStore.Conversation conversation = found(store.find(c, id, false), id);
            Roster team = team();
            return new Thread(
                    conversation,
                    store.messages(c, id).stream()
                            .map(m -> new Entry(
                                    m.id(),
                                    m.author(),
                                    m.author().equals("user")
                                            ? null
                                            : m.author().startsWith("agent:")
                                                    ? m.author().substring(6)
                                                    : team.teammate(m.author())
                                                            .map(Teammate::name)
                                                            .orElse(null),
                                    m.text(),
                                    m.at()))
                            .toList());
        }
    }

    /**
     * A teammate answers: {@code {"teammate": "belle", "text": "..."}}. With an {@code Idempotency-Key}, the same call
     * sent again answers once.
     */
    @POST
    @Path("{id}/messages")
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional(rollbackOn = Exception.class)
    public Response answer(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String key, JsonNode body)
            throws SQLException {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("The body is a JSON object: {\"teammate\": ..., \"text\": ...}.");
        }
        for (var field : body.properties()) {
            if (!List.of("teammate", "text").contains(field.getKey())) {
                throw ProblemException.badField("/" + field.getKey(), "is not a field (teammate, text)");
            }
        }
        if (key != null && (key.isBlank() || key.length() > 255)) {
            throw ProblemException.badParameter("Idempotency-Key", "is 1 to 255 characters");
        }
        Answering.Answer answer = answering.answer(
                id,
                body.path("teammate").isTextual() ? body.get("teammate").asText() : null,
                body.path("text").isTextual() ? body.get("text").asText() : null,
                key);
        ConversationStore.Message m = answer.answered().message();
        return Response.status(answer.answered().repeated() ? 200 : 201)
                .entity(new Entry(m.id(), m.author(), answer.teammate().name(), m.text(), m.at()))
                .build();
    }

    /**
     * Sets who owns it and its tags, over what routes.yaml decided: {@code {"assignee": "joel", "tags": ["billing"]}}
     * ({@code "assignee": null} for nobody; a field left out stays as it is).
     */
    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional(rollbackOn = Exception.class)
    public ConversationStore.Conversation triage(@PathParam("id") String id, JsonNode body) throws SQLException {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("The body is a JSON object: {\"assignee\": ..., \"tags\": [...]}.");
        }
        var names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!List.of("assignee", "tags").contains(name)) {
                throw ProblemException.badField("/" + name, "is not a field (assignee, tags)");
            }
        }
        JsonNode assignee = body.get("assignee");
        if (assignee != null && !assignee.isNull() && !assignee.isTextual()) {
            throw ProblemException.badField("/assignee", "is a teammate's id, or null");
        }
        JsonNode tags = body.get("tags");
        if (tags != null && !tags.isArray()) {
            throw ProblemException.badField("/tags", "is an array of words");
        }
        ConversationStore.Conversation now;
        try (Connection c = dataSource.getConnection()) {
            now = found(store.find(c, id, false), id);
        }
        List<String> given = new java.util.ArrayList<>();
        if (tags != null) {
            for (int i = 0; i < tags.size(); i++) {
                if (!tags.get(i).isTextual()) {
                    throw ProblemException.badField("/tags/" + i, "is a word");
                }
                given.add(tags.get(i).asText());
            }
        }
        return answering.triage(
                id,
                assignee == null ? now.assignee() : assignee.isNull() ? null : assignee.asText(),
                tags == null ? now.tags() : given,
                "the admin API");
    }

    @POST
    @Path("{id}/close")
    @Transactional(rollbackOn = Exception.class)
    public ConversationStore.Conversation close(@PathParam("id") String id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            found(store.find(c, id, true), id);
            store.close(c, id, clock.instant());
            return store.find(c, id, false).orElseThrow();
        }
    }

    private Roster team() {
        return registry.current().map(JourneyRegistry.Live::team).orElse(Roster.empty());
    }

    private static ConversationStore.Conversation found(
            java.util.Optional<ConversationStore.Conversation> conversation, String id) {
        return conversation.orElseThrow(() -> new ProblemException(
                Problem.of(404, "not-found", "Not found", "There is no conversation '" + id + "'.")));
    }
}
