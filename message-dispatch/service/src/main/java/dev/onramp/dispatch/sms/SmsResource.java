package dev.onramp.dispatch.sms;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.conversation.Conversations;
import dev.onramp.dispatch.delivery.DeliveryState;
import dev.onramp.dispatch.delivery.DeliveryTransitions;
import dev.onramp.dispatch.ledger.Delivery;
import dev.onramp.dispatch.outbox.DeliveryEvent;
import dev.onramp.dispatch.outbox.Outbox;
import dev.onramp.dispatch.preferences.Preferences;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import dev.onramp.templates.Channel;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the SMS provider calls back: status callbacks (delivered, failed) and inbound messages, where STOP opts the
 * number out and START opts it back in. Requests are checked against Twilio's signature
 * ({@code X-Twilio-Signature}, HMAC-SHA1 with the auth token).
 */
@Path("/v1/sms")
public class SmsResource {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SmsResource.class);

    private static final Set<String> STOP =
            Set.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT");
    private static final Set<String> START = Set.of("START", "UNSTOP", "YES");
    private static final String EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

    private final DispatchConfig config;
    private final Preferences preferences;
    private final Outbox outbox;
    private final InstantSource clock;

    private final Conversations conversations;

    SmsResource(
            DispatchConfig config,
            Preferences preferences,
            Outbox outbox,
            InstantSource clock,
            Conversations conversations) {
        this.conversations = conversations;
        this.config = config;
        this.preferences = preferences;
        this.outbox = outbox;
        this.clock = clock;
    }

    @POST
    @Path("status")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Transactional(rollbackOn = Exception.class)
    public Response status(@HeaderParam("X-Twilio-Signature") String signature, MultivaluedMap<String, String> form)
            throws SQLException {
        verify("/v1/sms/status", signature, form);
        String sid = form.getFirst("MessageSid");
        String status = form.getFirst("MessageStatus");
        if (sid == null || status == null) {
            throw ProblemException.badRequest("a status callback names MessageSid and MessageStatus");
        }
        String mapped =
                switch (status.toLowerCase(Locale.ROOT)) {
                    case "delivered" -> "delivered";
                    case "failed", "undelivered" -> "failed";
                    default -> null;
                };
        if (mapped == null) {
            return Response.noContent().build();
        }
        Instant now = clock.instant();
        Delivery delivery = Delivery.byProviderId(sid);
        String detail = form.getFirst("ErrorCode") == null ? null : "provider error " + form.getFirst("ErrorCode");
        DeliveryTransitions.Step step = delivery == null
                ? null
                : DeliveryTransitions.providerReported(
                        DeliveryState.of(delivery), Channel.SMS, "delivered".equals(mapped), detail);
        if (step != null) {
            step.state().applyTo(delivery, now);
            for (DeliveryTransitions.Event event : step.events()) {
                outbox.publish(
                        new DeliveryEvent(
                                delivery.messageId,
                                delivery.userId,
                                delivery.journey,
                                delivery.step,
                                event.channel().wireName(),
                                event.status(),
                                event.detail()),
                        now);
            }
            if ("21610".equals(form.getFirst("ErrorCode")) && delivery.address != null) {
                preferences.suppress("sms", delivery.address, "the number opted out (replied STOP)", now);
            }
        }
        return Response.noContent().build();
    }

    @POST
    @Path("inbound")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_XML)
    @Transactional(rollbackOn = Exception.class)
    public Response inbound(@HeaderParam("X-Twilio-Signature") String signature, MultivaluedMap<String, String> form)
            throws SQLException {
        verify("/v1/sms/inbound", signature, form);
        String from = form.getFirst("From");
        String body = form.getFirst("Body");
        if (from == null || body == null) {
            throw ProblemException.badRequest("an inbound message names From and Body");
        }
        String word = body.trim().toUpperCase(Locale.ROOT);
        boolean stop = STOP.contains(word);
        boolean start = START.contains(word);
        if (!stop && !start) {
            // Any other text is a reply: it joins the conversation of the latest message sent to the number.
            if (config.conversations().enabled() && !body.isBlank()) {
                var taken = conversations.fromSms(from, body, form.getFirst("MessageSid"), clock.instant());
                if (taken.isPresent() && taken.get() instanceof Conversations.TooMany many) {
                    // Twilio does not retry a refused webhook: the reply is answered with nothing, and said here.
                    LOG.warnf("an SMS reply from a user over the limit of %d a minute was not taken", many.limit());
                }
            }
            return Response.ok(EMPTY_TWIML).build();
        }
        Instant now = clock.instant();
        boolean changed;
        if (stop) {
            changed = preferences.suppression("sms", from) == null;
            preferences.suppress("sms", from, "the number replied STOP", now);
        } else {
            changed = preferences.unsuppress("sms", from);
        }
        String user = Delivery.latestUserAt(from);
        if (changed && user != null) {
            outbox.publish(
                    new DeliveryEvent(
                            "sms-" + UUID.randomUUID(),
                            user,
                            null,
                            null,
                            "sms",
                            stop ? "unsubscribed" : "subscribed",
                            from + " replied " + word,
                            "channel"),
                    now);
        }
        return Response.ok(EMPTY_TWIML).build();
    }

    /** Twilio signs the full URL it called followed by each POST parameter, name then value, sorted by name. */
    private void verify(String path, String signature, MultivaluedMap<String, String> form) {
        if (!config.sms().verifySignatures()) {
            return;
        }
        String token = config.sms().authToken().orElse(null);
        if (token == null) {
            throw new ProblemException(Problem.of(
                    403,
                    "sms-not-configured",
                    "SMS is not configured",
                    "Set onramp.dispatch.sms.auth-token to receive the provider's callbacks."));
        }
        StringBuilder data = new StringBuilder(config.publicUrl() + path);
        new TreeMap<>(form)
                .forEach((name, values) -> values.forEach(v -> data.append(name).append(v)));
        if (signature == null
                || !MessageDigest.isEqual(
                        signature.getBytes(StandardCharsets.US_ASCII),
                        twilioSignature(token, data.toString()).getBytes(StandardCharsets.US_ASCII))) {
            throw new ProblemException(Problem.of(
                    403,
                    "bad-signature",
                    "Wrong or missing signature",
                    "X-Twilio-Signature does not match this request."));
        }
    }

    public static String twilioSignature(String authToken, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
