package dev.onramp.dispatch.handoff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.outbox.Outbox;
import dev.onramp.pipeline.StableIds;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

/**
 * A help desk's answer coming back: its webhook on an agent's public comment (a Zendesk trigger), signed as Zendesk
 * signs — {@code X-Zendesk-Webhook-Signature} = base64 HMAC-SHA256 of {@code X-Zendesk-Webhook-Signature-Timestamp}
 * followed by the body, with the webhook's signing secret. An unsigned, wrongly signed or stale call (more than five
 * minutes off) is a 401 and posts nothing. The ticket is mapped back to its conversation by the tickets Onramp opened
 * ({@code handoff_tickets}); the answer goes to journey-engine on {@code onramp.conversations} (kind {@code answer}),
 * which sends it to the user's thread. A comment by Onramp's own integration user (the user's words it posted) and a
 * ticket Onramp did not open are acknowledged and ignored, so the help desk does not retry them.
 */
@Path("/hooks/helpdesk/{destination}")
@Produces(MediaType.APPLICATION_JSON)
public class HelpDeskHook {

    static final Duration TOLERANCE = Duration.ofMinutes(5);

    private final DispatchConfig config;
    private final DataSource dataSource;
    private final Outbox outbox;
    private final ObjectMapper json;
    private final InstantSource clock;

    HelpDeskHook(DispatchConfig config, DataSource dataSource, Outbox outbox, ObjectMapper json, InstantSource clock) {
        this.config = config;
        this.dataSource = dataSource;
        this.outbox = outbox;
        this.json = json;
        this.clock = clock;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional(rollbackOn = Exception.class)
    public Response comment(
            @PathParam("destination") String destination,
            @HeaderParam("X-Zendesk-Webhook-Signature") String signature,
            @HeaderParam("X-Zendesk-Webhook-Signature-Timestamp") String timestamp,
            @HeaderParam("X-Zendesk-Webhook-Invocation-Id") String invocation,
            byte[] body)
            throws SQLException {
        DispatchConfig.Destination settings = config.destinations().get(destination);
        if (settings == null || settings.webhookSecret().isEmpty()) {
            throw ProblemException.notFound("No help desk '" + destination + "' answers through Onramp (set"
                    + " onramp.dispatch.destinations." + destination + ".webhook-secret).");
        }
        verify(settings.webhookSecret().get(), signature, timestamp, body);
        JsonNode event;
        try {
            event = json.readTree(body);
        } catch (IOException e) {
            throw ProblemException.badRequest("The body is not JSON.");
        }
        String ticket = event.path("ticket").path("id").asText("");
        String text = event.path("comment").path("body").asText("").strip();
        if (ticket.isBlank()) {
            throw ProblemException.badField("/ticket/id", "is required: the ticket commented on");
        }
        if (text.isBlank()) {
            throw ProblemException.badField("/comment/body", "is required: the agent's public comment");
        }
        String authorEmail = event.path("author").path("email").asText(null);
        if (authorEmail != null && authorEmail.equalsIgnoreCase(settings.email().orElse(""))) {
            return ignored("a comment Onramp posted itself");
        }
        String[] conversation = conversationOf(destination, ticket);
        if (conversation == null) {
            return ignored("ticket " + ticket + " is not a conversation Onramp handed over");
        }
        Instant now = clock.instant();
        String name = event.path("author").path("name").asText("").strip();
        ObjectNode record = json.createObjectNode();
        record.put(
                "id",
                "hd-"
                        + StableIds.of(
                                destination,
                                invocation != null ? invocation : new String(body, StandardCharsets.UTF_8)));
        record.put("conversationId", conversation[0]);
        record.put("userId", conversation[1]);
        record.put("kind", "answer");
        record.put("channel", conversation[2]);
        record.put("text", text.length() > 10_000 ? text.substring(0, 10_000) : text);
        ObjectNode author = record.putObject("author");
        author.put("name", name.isBlank() ? "Support" : name);
        if (authorEmail != null && !authorEmail.isBlank()) {
            author.put("email", authorEmail);
        }
        record.put("destination", destination);
        record.put("ticket", ticket);
        record.put("at", now.toString());
        Outbox.Writer out = outbox.writer();
        out.publish(config.topics().conversations(), conversation[1], record, now);
        out.flush();
        return Response.ok(Map.of("accepted", true, "conversation", conversation[0]))
                .build();
    }

    private static Response ignored(String why) {
        return Response.accepted(Map.of("accepted", false, "ignored", why)).build();
    }

    /** The conversation, its user and its channel, of a ticket Onramp opened at this destination; null when none. */
    private String[] conversationOf(String destination, String ticket) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT t.conversation_id, t.user_id, coalesce(v.channel, 'in_app')
                        FROM handoff_tickets t LEFT JOIN conversations v ON v.conversation_id = t.conversation_id
                        WHERE t.destination = ? AND t.ticket = ?""")) {
            ps.setString(1, destination);
            ps.setString(2, ticket);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2), rs.getString(3)} : null;
            }
        }
    }

    private void verify(String secret, String signature, String timestamp, byte[] body) {
        if (signature == null || timestamp == null) {
            throw unauthorized("Send X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp.");
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(timestamp).toInstant();
        } catch (DateTimeParseException e) {
            throw unauthorized("X-Zendesk-Webhook-Signature-Timestamp is not a date-time.");
        }
        if (Duration.between(at, clock.instant()).abs().compareTo(TOLERANCE) > 0) {
            throw unauthorized("The signature's timestamp is more than five minutes off: a replay, or a clock to fix.");
        }
        String expected = sign(secret, timestamp, body);
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), signature.strip().getBytes(StandardCharsets.US_ASCII))) {
            throw unauthorized("X-Zendesk-Webhook-Signature does not match this request.");
        }
    }

    /** base64(HMAC-SHA256(secret, timestamp + body)), as Zendesk signs its webhooks. */
    public static String sign(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProblemException unauthorized(String detail) {
        return new ProblemException(Problem.of(401, "bad-signature", "Wrong or missing signature", detail));
    }
}
