package dev.onramp.dispatch.sms;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.api.Problem;
import dev.onramp.dispatch.api.ProblemException;
import dev.onramp.dispatch.delivery.DeliveryEvents;
import dev.onramp.dispatch.outbox.OutboxRelay;
import dev.onramp.dispatch.preferences.Preferences;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

/**
 * What the SMS provider calls back: status callbacks (delivered, failed) and inbound messages, where STOP opts the
 * number out and START opts it back in. Requests are checked against Twilio's signature
 * ({@code X-Twilio-Signature}, HMAC-SHA1 with the auth token).
 */
@Path("/v1/sms")
public class SmsResource {

    private static final Set<String> STOP =
            Set.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT");
    private static final Set<String> START = Set.of("START", "UNSTOP", "YES");
    private static final String EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

    private final DispatchConfig config;
    private final DataSource dataSource;
    private final Preferences preferences;
    private final DeliveryEvents events;
    private final OutboxRelay relay;
    private final InstantSource clock;

    SmsResource(
            DispatchConfig config,
            DataSource dataSource,
            Preferences preferences,
            DeliveryEvents events,
            OutboxRelay relay,
            InstantSource clock) {
        this.config = config;
        this.dataSource = dataSource;
        this.preferences = preferences;
        this.events = events;
        this.relay = relay;
        this.clock = clock;
    }

    @POST
    @Path("status")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
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
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE deliveries SET status = ?, last_error = ?, updated_at = ? WHERE provider_id = ? AND status IN ('sent', 'delivered')
                    RETURNING message_id, user_id, journey, step, address""")) {
                String detail =
                        form.getFirst("ErrorCode") == null ? null : "provider error " + form.getFirst("ErrorCode");
                ps.setString(1, mapped);
                ps.setString(2, detail);
                ps.setObject(3, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                ps.setString(4, sid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        events.publish(
                                c,
                                new DeliveryEvents.Event(
                                        rs.getString(1),
                                        rs.getString(2),
                                        rs.getString(3),
                                        rs.getString(4),
                                        "sms",
                                        mapped,
                                        detail,
                                        null),
                                now);
                        if ("21610".equals(form.getFirst("ErrorCode")) && rs.getString(5) != null) {
                            preferences.suppress(c, "sms", rs.getString(5), "the number opted out (replied STOP)", now);
                        }
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        relay.wake();
        return Response.noContent().build();
    }

    @POST
    @Path("inbound")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_XML)
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
            return Response.ok(EMPTY_TWIML).build();
        }
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                boolean changed = stop ? suppress(c, from, now) : preferences.unsuppress(c, "sms", from);
                String user = userOf(c, from);
                if (changed && user != null) {
                    events.publish(
                            c,
                            new DeliveryEvents.Event(
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
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        relay.wake();
        return Response.ok(EMPTY_TWIML).build();
    }

    private boolean suppress(Connection c, String number, Instant now) throws SQLException {
        boolean was = preferences.suppression(c, "sms", number) != null;
        preferences.suppress(c, "sms", number, "the number replied STOP", now);
        return !was;
    }

    /** The user most recently messaged at this number. */
    private static String userOf(Connection c, String number) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT user_id FROM deliveries WHERE address = ? ORDER BY created_at DESC LIMIT 1")) {
            ps.setString(1, number);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
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
