package dev.onramp.dispatch.api;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.template.Templates;
import dev.onramp.templates.Channel;
import dev.onramp.templates.Rendered;
import dev.onramp.templates.TemplateData;
import dev.onramp.templates.TemplateException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

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

    TemplatesResource(Templates templates, DispatchConfig config) {
        this.templates = templates;
        this.config = config;
    }

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
        String token = config.adminToken().orElse("");
        String given = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim()
                : "";
        String previous = config.adminTokenPrevious().orElse("");
        if (token.isBlank() || (!equal(token, given) && (previous.isBlank() || !equal(previous, given)))) {
            throw new ProblemException(Problem.of(
                    401,
                    "unauthorized",
                    "Admin token required",
                    token.isBlank()
                            ? "No admin token is configured (onramp.dispatch.admin-token)."
                            : "Send 'Authorization: Bearer <token>'."));
        }
        if (request == null || request.channel() == null) {
            throw ProblemException.badRequest("say which channel to render: {\"channel\": \"email\", \"user\": {...}}");
        }
        Channel channel = Channel.of(request.channel())
                .orElseThrow(() -> ProblemException.badRequest(
                        "channel is in_app, email, sms or webhook, not '" + request.channel() + "'"));
        if (!templates.has(name, channel)) {
            throw ProblemException.notFound("There is no " + channel + " version of template '" + name + "'.");
        }
        Map<String, Object> user = request.user() == null ? Map.of() : request.user();
        @SuppressWarnings("unchecked")
        Map<String, Object> traits = user.get("traits") instanceof Map<?, ?> t ? (Map<String, Object>) t : Map.of();
        Map<String, Object> data = TemplateData.of(
                String.valueOf(user.getOrDefault("id", "preview-user")),
                traits,
                request.context() == null ? Map.of() : request.context(),
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
                        config.publicUrl() + "/v1/preferences/preview"));
        try {
            return templates.render(name, channel, request.locale(), data);
        } catch (TemplateException e) {
            throw new ProblemException(
                    Problem.of(422, "cannot-render", "The template cannot be rendered for this user", e.getMessage()));
        }
    }
}
