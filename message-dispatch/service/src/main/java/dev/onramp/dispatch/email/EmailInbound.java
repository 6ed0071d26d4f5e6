package dev.onramp.dispatch.email;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.conversation.Conversations;
import dev.onramp.dispatch.ledger.Delivery;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Where a provider's inbound route posts the raw RFC 5322 message of a reply (docs/conversations.md): addressed to a
 * message's signed reply address, its new text — quoted history and signature stripped — joins that message's
 * conversation, published on {@code onramp.conversations} with channel {@code email}. The route authenticates with the
 * inbound token (bearer, or Basic's password). A forged reply address is a 403 naming {@code /to}; an automatic reply,
 * mail to another address and a reply with no new text are acknowledged ({@code 202}) and not taken, so the route does
 * not retry them; the same email posted again is taken once.
 */
@Path("/v1/email/inbound")
@Produces(MediaType.APPLICATION_JSON)
public class EmailInbound {

    private static final Logger LOG = Logger.getLogger(EmailInbound.class);

    private final DispatchConfig config;
    private final ReplyAddresses addresses;
    private final Conversations conversations;
    private final InstantSource clock;

    EmailInbound(DispatchConfig config, ReplyAddresses addresses, Conversations conversations, InstantSource clock) {
        this.config = config;
        this.addresses = addresses;
        this.conversations = conversations;
        this.clock = clock;
    }

    @POST
    @Consumes({"message/rfc822", MediaType.APPLICATION_OCTET_STREAM, MediaType.TEXT_PLAIN})
    @Transactional(rollbackOn = Exception.class)
    public Response receive(@HeaderParam("Authorization") String authorization, byte[] raw) throws SQLException {
        Optional<String> token = config.email().inboundToken().filter(t -> !t.isBlank());
        if (!addresses.enabled() || token.isEmpty()) {
            throw ProblemException.notFound("Replies by email do not come back to Onramp: set"
                    + " onramp.dispatch.email.reply-domain and onramp.dispatch.email.inbound-token.");
        }
        if (!authorized(authorization, token.get())) {
            throw ProblemException.unauthorized(
                    "Send the inbound token as a bearer token, or as the password of Basic authentication.");
        }
        if (raw == null || raw.length == 0) {
            throw ProblemException.badRequest("The body is the raw email (RFC 5322), and it is empty.");
        }
        InboundEmail email;
        try {
            email = InboundEmail.parse(raw);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("The body is not an email: " + e.getMessage());
        }
        if (email.automatic() != null) {
            return ignored("an automatic reply (" + email.automatic() + ")");
        }
        String messageId = null;
        for (String recipient : email.recipients()) {
            switch (addresses.named(recipient)) {
                case ReplyAddresses.Message m -> messageId = messageId == null ? m.messageId() : messageId;
                case ReplyAddresses.Forged f ->
                    throw new ProblemException(Problem.of(
                            403,
                            "bad-reply-address",
                            "Wrong reply address",
                            "The reply address " + f.address() + " is not one Onramp signed.",
                            List.of(new Problem.FieldError("/to", "is not a reply address Onramp signed"))));
                case ReplyAddresses.Other o -> {}
            }
        }
        if (messageId == null) {
            return ignored("not addressed to a reply address of Onramp");
        }
        Delivery answered = Delivery.findById(messageId);
        if (answered == null || !"email".equals(answered.channel)) {
            return ignored("message " + messageId + " is no longer kept (retention) or was not an email");
        }
        if (email.text().isEmpty()) {
            return ignored("no new text above the quoted message");
        }
        if (!config.conversations().enabled()) {
            return ignored("conversations are turned off (onramp.dispatch.conversations.enabled)");
        }
        String providerId = email.messageId() != null
                ? email.messageId()
                : Base64.getEncoder().encodeToString(sha256(raw));
        return switch (conversations.fromEmail(answered, email.text(), providerId, clock.instant())) {
            case Conversations.Replied replied -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("accepted", true);
                body.put("conversation", replied.conversationId());
                body.put("repeated", replied.repeated());
                yield Response.ok(body).build();
            }
            case Conversations.TooMany many -> {
                LOG.infof("an email reply to %s waits: the user is over %d a minute", messageId, many.limit());
                throw many.problem();
            }
        };
    }

    private static Response ignored(String why) {
        return Response.accepted(Map.of("accepted", false, "ignored", why)).build();
    }

    private static boolean authorized(String header, String token) {
        if (header == null) {
            return false;
        }
        String given;
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = header.substring(7).strip();
        } else if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(
                        Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
                given = pair.substring(pair.indexOf(':') + 1);
            } catch (IllegalArgumentException e) {
                return false;
            }
        } else {
            return false;
        }
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] raw) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(raw);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
