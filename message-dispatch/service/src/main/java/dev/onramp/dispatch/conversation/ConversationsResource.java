package dev.onramp.dispatch.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.inapp.Inbox;
import dev.onramp.dispatch.inapp.InboxAccess;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a user writes back from their inbox: {@code {"text": ..., "replyTo": messageId}} answers a message that takes
 * replies (or any message of a conversation); without {@code replyTo} it is feedback, with an optional
 * {@code category}. Needs the user hash, as the inbox does. Text only, a length limit, a per-user rate limit.
 */
@Path("/v1/inbox/{userId}/conversations")
@Produces(MediaType.APPLICATION_JSON)
public class ConversationsResource {

    /** Line breaks and tabs are text; other control characters (and NUL, which PostgreSQL cannot store) are not. */
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cc}&&[^\\n\\t]]");

    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    private final DispatchConfig config;
    private final InboxAccess access;
    private final Conversations conversations;
    private final InstantSource clock;

    ConversationsResource(DispatchConfig config, InboxAccess access, Conversations conversations, InstantSource clock) {
        this.config = config;
        this.access = access;
        this.conversations = conversations;
        this.clock = clock;
    }

    /** The user's message as stored, and the conversation it is part of. */
    public record Written(String conversationId, Inbox.Message message) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional(rollbackOn = Exception.class)
    public Response write(
            @PathParam("userId") String userId,
            @HeaderParam("X-Onramp-User-Hash") String headerHash,
            @QueryParam("userHash") String queryHash,
            JsonNode body)
            throws SQLException {
        access.authorize(userId, headerHash, queryHash);
        if (!config.conversations().enabled()) {
            throw new ProblemException(Problem.of(
                    404,
                    "conversations-off",
                    "Conversations are off",
                    "This installation takes no replies or feedback (onramp.dispatch.conversations.enabled)."));
        }
        Conversations.Written written = read(body);
        return switch (conversations.write(userId, written, clock.instant())) {
            case Conversations.Taken taken ->
                Response.status(201)
                        .entity(new Written(taken.message().conversation(), taken.message()))
                        .build();
            case Conversations.Repeated repeated ->
                Response.ok(new Written(repeated.message().conversation(), repeated.message()))
                        .build();
            case Conversations.NoSuchMessage none ->
                throw ProblemException.notFound("User '" + userId + "' has no message '" + written.replyTo() + "'.");
            case Conversations.NotReplyable closed ->
                throw new ProblemException(Problem.of(
                        409,
                        "replies-not-taken",
                        "This message takes no replies",
                        "Message '" + written.replyTo() + "' does not take replies (a step's or broadcast's"
                                + " replies option); send feedback instead.",
                        List.of(new Problem.FieldError("/replyTo", "takes no replies"))));
            case Conversations.TooMany many -> throw many.problem();
        };
    }

    private Conversations.Written read(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("The body is a JSON object: {\"text\": ..., \"replyTo\": ...}.");
        }
        for (var field : body.properties()) {
            if (!List.of("text", "category", "replyTo", "id").contains(field.getKey())) {
                throw ProblemException.badField("/" + field.getKey(), "is not a field (text, category, replyTo, id)");
            }
        }
        JsonNode textNode = body.get("text");
        if (textNode == null || !textNode.isTextual() || textNode.asText().isBlank()) {
            throw ProblemException.badField("/text", "is required: what the user wrote, as a string");
        }
        String text =
                textNode.asText().replace("\r\n", "\n").replace('\r', '\n').strip();
        int max = config.conversations().maxLength();
        if (text.codePointCount(0, text.length()) > max) {
            throw ProblemException.badField("/text", "is longer than " + max + " characters");
        }
        if (CONTROL.matcher(text).find()) {
            throw ProblemException.badField("/text", "contains control characters");
        }
        String category = optional(body, "category");
        List<String> categories = config.conversations().categories().orElse(List.of());
        if (category != null && !categories.contains(category)) {
            throw ProblemException.badField(
                    "/category",
                    categories.isEmpty()
                            ? "is not taken: no categories are configured"
                            : "is not one of " + String.join(", ", categories));
        }
        String replyTo = optional(body, "replyTo");
        String id = optional(body, "id");
        if (id != null && !CLIENT_ID.matcher(id).matches()) {
            throw ProblemException.badField("/id", "is 1 to 100 letters, digits or . _ : -");
        }
        return new Conversations.Written(text, category, replyTo, id);
    }

    private static String optional(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw ProblemException.badField("/" + field, "is a non-empty string");
        }
        return node.asText();
    }
}
