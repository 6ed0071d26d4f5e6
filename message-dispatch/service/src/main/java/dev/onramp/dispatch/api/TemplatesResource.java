package dev.onramp.dispatch.api;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.email.EmailSender;
import dev.onramp.dispatch.send.Outgoing;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.dispatch.send.Sender;
import dev.onramp.dispatch.sms.SmsSender;
import dev.onramp.dispatch.template.Templates;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import dev.onramp.templates.Channel;
import dev.onramp.templates.Rendered;
import dev.onramp.templates.TemplateData;
import dev.onramp.templates.TemplateException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.InstantSource;
import java.util.Map;
import java.util.UUID;

/**
 * Renders a template for a sample user, as it would be sent: for a preview in an editor or an admin tool. Needs
 * {@code Authorization: Bearer <onramp.dispatch.admin-token>}.
 */
@Path("/v1/templates")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TemplatesResource {

    private final Templates templates;
    private final DispatchConfig config;
    private final EmailSender email;
    private final SmsSender sms;
    private final InstantSource clock;
    private final MeterRegistry meters;

    TemplatesResource(
            Templates templates,
            DispatchConfig config,
            EmailSender email,
            SmsSender sms,
            InstantSource clock,
            MeterRegistry meters) {
        this.templates = templates;
        this.config = config;
        this.email = email;
        this.sms = sms;
        this.clock = clock;
        this.meters = meters;
    }

    /**
     * A test send: the template rendered for a user as a preview is, sent to the address or phone number given.
     *
     * @param to an email address for email, an E.164 number for SMS
     */
    public record TestSendRequest(
            String channel, String locale, Map<String, Object> user, Map<String, Object> context, String to) {}

    /** What became of a test send. */
    public record TestSent(String messageId, String channel, String to, String subject, String outcome) {}

    /** What to render with. */
    public record PreviewRequest(
            String channel, String locale, Map<String, Object> user, Map<String, Object> context) {}

    /** Compares in constant time. */
    private static boolean equal(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    @POST
    @Path("{name}/preview")
    public Rendered preview(
            @PathParam("name") String name,
            @HeaderParam("Authorization") String authorization,
            PreviewRequest request) {
        authorize(authorization);
        if (request == null || request.channel() == null) {
            throw ProblemException.badRequest("say which channel to render: {\"channel\": \"email\", \"user\": {...}}");
        }
        return render(name, request.channel(), request.locale(), request.user(), request.context());
    }

    /**
     * Sends a template, rendered for a user's traits, to an address the operator typed: straight to the provider,
     * never through the message requests, the ledger or the delivery events, so it is never counted in a funnel, never
     * capped, and never reaches the user's inbox. Marked as a test everywhere: the subject (or SMS text) begins with
     * "[Test] ", an email carries {@code X-Onramp-Test: true}, the message id begins with {@code test-}.
     */
    @POST
    @Path("{name}/test-send")
    public TestSent testSend(
            @PathParam("name") String name,
            @HeaderParam("Authorization") String authorization,
            TestSendRequest request) {
        authorize(authorization);
        if (request == null || request.channel() == null) {
            throw ProblemException.badRequest("say which channel to send: {\"channel\": \"email\", \"to\": \"...\"}");
        }
        Channel channel = channel(request.channel());
        String to = request.to() == null ? "" : request.to().strip();
        Sender sender;
        switch (channel) {
            case EMAIL -> {
                if (!EmailSender.ADDRESS.matcher(to).matches()) {
                    throw ProblemException.badField("/to", "'" + to + "' is not an email address");
                }
                sender = email;
            }
            case SMS -> {
                if (!SmsSender.E164.matcher(to).matches()) {
                    throw ProblemException.badField(
                            "/to", "'" + to + "' is not a phone number in E.164 form, like +14155550123");
                }
                sender = sms;
            }
            default ->
                throw ProblemException.badField(
                        "/channel",
                        "test sends go to an email address or a phone number; preview " + channel
                                + " messages instead");
        }
        Rendered rendered = render(name, request.channel(), request.locale(), request.user(), request.context());
        Map<String, String> headers = new java.util.HashMap<>(rendered.headers());
        String body = rendered.body();
        if (channel == Channel.EMAIL) {
            headers.put("subject", "[Test] " + rendered.header("subject"));
        } else {
            body = "[Test] " + body;
        }
        Rendered marked = new Rendered(rendered.template(), rendered.locale(), headers, body, rendered.text());
        String messageId = EmailSender.TEST_PREFIX + UUID.randomUUID();
        SendOutcome outcome = sender.send(new Outgoing(
                messageId, to, marked, config.publicUrl() + "/v1/unsubscribe/preview", null, clock.instant()));
        meters.counter(
                        "onramp.dispatch.test.sends",
                        "channel",
                        channel.wireName(),
                        "outcome",
                        outcome.kind().name().toLowerCase(java.util.Locale.ROOT))
                .increment();
        if (outcome.kind() != SendOutcome.Kind.SENT && outcome.kind() != SendOutcome.Kind.DELIVERED) {
            throw new ProblemException(Problem.of(
                    502,
                    "test-send-failed",
                    "The provider did not take the test message",
                    channel + " to " + to + ": " + outcome.detail()));
        }
        return new TestSent(messageId, channel.wireName(), to, headers.get("subject"), "sent");
    }

    private void authorize(String authorization) {
        String token = config.adminToken().orElse("");
        String given = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim()
                : "";
        String previous = config.adminTokenPrevious().orElse("");
        if (token.isBlank() || (!equal(token, given) && (previous.isBlank() || !equal(previous, given)))) {
            throw ProblemException.unauthorized(
                    token.isBlank()
                            ? "No admin token is configured (onramp.dispatch.admin-token)."
                            : "Send 'Authorization: Bearer <token>'.");
        }
    }

    private static Channel channel(String name) {
        return Channel.of(name)
                .orElseThrow(() ->
                        ProblemException.badRequest("channel is in_app, email, sms or webhook, not '" + name + "'"));
    }

    private Rendered render(
            String name,
            String channelName,
            String locale,
            Map<String, Object> givenUser,
            Map<String, Object> context) {
        Channel channel = channel(channelName);
        if (!templates.has(name, channel)) {
            throw ProblemException.notFound("There is no " + channel + " version of template '" + name + "'.");
        }
        Map<String, Object> user = givenUser == null ? Map.of() : givenUser;
        @SuppressWarnings("unchecked")
        Map<String, Object> traits = user.get("traits") instanceof Map<?, ?> t ? (Map<String, Object>) t : Map.of();
        Map<String, Object> data = TemplateData.of(
                String.valueOf(user.getOrDefault("id", "preview-user")),
                traits,
                context == null ? Map.of() : context,
                null,
                null,
                "preview",
                channel,
                Map.of(
                        "app",
                        config.appUrl(),
                        "unsubscribe",
                        config.publicUrl() + "/v1/unsubscribe/preview",
                        "preferences",
                        config.publicUrl() + "/v1/preferences/preview"),
                Map.of());
        try {
            return templates.render(name, channel, locale, data);
        } catch (TemplateException e) {
            throw new ProblemException(
                    Problem.of(422, "cannot-render", "The template cannot be rendered for this user", e.getMessage()));
        }
    }
}
