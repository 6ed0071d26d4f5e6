package dev.onramp.engine.console;

import dev.onramp.engine.api.JourneysResource;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * The growth console: server-rendered pages (Qute) behind the engine's admin token, usable with no script at all.
 * Logging in sets an HttpOnly, SameSite=Strict session cookie scoped to {@code /console}; every form that changes
 * something carries a CSRF token bound to the session, and the login form a nonce bound to a cookie of its own (so
 * that no other site can log a browser in either). Pages are never cached and may not be framed.
 */
@Path("/console")
public class ConsoleResource {

    static final String SESSION = "onramp_console";
    static final String LOGIN_NONCE = "onramp_console_login";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConsoleSessions sessions;
    private final JourneysResource journeys;

    ConsoleResource(ConsoleSessions sessions, JourneysResource journeys) {
        this.sessions = sessions;
        this.journeys = journeys;
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance login(String nonce, String error);

        static native TemplateInstance journeys(String csrf, JourneysResource.LastLoad lastLoad, List<JourneyRow> rows);
    }

    /** One journey on the journeys page: what it is, and its funnel's totals for treatment and holdout. */
    public record JourneyRow(
            JourneysResource.JourneyInfo journey, JourneysResource.Group treatment, JourneysResource.Group holdout) {}

    @GET
    public Response journeys(@CookieParam(SESSION) String session, @Context UriInfo uri) {
        if (!sessions.valid(session)) {
            return redirect("/console/login").build();
        }
        JourneysResource.Catalog catalog = journeys.list();
        List<JourneyRow> rows = catalog.journeys().stream()
                .map(j -> {
                    JourneysResource.Funnel funnel = journeys.funnel(j.id());
                    return new JourneyRow(j, funnel.treatment(), funnel.holdout());
                })
                .toList();
        return page(Templates.journeys(sessions.csrf(session), catalog.lastLoad(), rows), 200)
                .build();
    }

    @GET
    @Path("login")
    public Response loginForm(@Context UriInfo uri) {
        String nonce = fresh();
        return page(Templates.login(nonce, null), 200)
                .cookie(cookie(uri, LOGIN_NONCE, nonce, 600))
                .build();
    }

    @POST
    @Path("login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response login(
            @FormParam("token") String token,
            @FormParam("nonce") String nonce,
            @CookieParam(LOGIN_NONCE) String expectedNonce,
            @Context UriInfo uri) {
        if (nonce == null || expectedNonce == null || !nonce.equals(expectedNonce)) {
            String again = fresh();
            return page(Templates.login(again, "The form had expired or came from another site: try again."), 403)
                    .cookie(cookie(uri, LOGIN_NONCE, again, 600))
                    .build();
        }
        return sessions.open(token)
                .map(session -> redirect("/console")
                        .cookie(cookie(uri, SESSION, session, ConsoleSessions.LIFETIME.toSeconds()))
                        .cookie(cookie(uri, LOGIN_NONCE, "", 0))
                        .build())
                .orElseGet(() -> {
                    String again = fresh();
                    return page(Templates.login(again, "That is not the engine's admin token."), 401)
                            .cookie(cookie(uri, LOGIN_NONCE, again, 600))
                            .build();
                });
    }

    @POST
    @Path("logout")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response logout(@FormParam("csrf") String csrf, @CookieParam(SESSION) String session, @Context UriInfo uri) {
        if (!sessions.csrfValid(session, csrf)) {
            return Response.status(403)
                    .type(MediaType.TEXT_PLAIN_TYPE)
                    .entity("This form did not come from your console session.")
                    .build();
        }
        return redirect("/console/login").cookie(cookie(uri, SESSION, "", 0)).build();
    }

    private static Response.ResponseBuilder page(TemplateInstance page, int status) {
        return Response.status(status)
                .type("text/html; charset=UTF-8")
                .entity(page.render())
                .header("Cache-Control", "no-store")
                .header(
                        "Content-Security-Policy",
                        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                                + " frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer");
    }

    private static Response.ResponseBuilder redirect(String path) {
        return Response.seeOther(URI.create(path)).header("Cache-Control", "no-store");
    }

    /** Secure whenever the console was reached over HTTPS (behind a proxy: with forwarded headers trusted). */
    private static NewCookie cookie(UriInfo uri, String name, String value, long maxAge) {
        return new NewCookie.Builder(name)
                .value(value)
                .path("/console")
                .httpOnly(true)
                .secure("https".equalsIgnoreCase(uri.getRequestUri().getScheme()))
                .sameSite(NewCookie.SameSite.STRICT)
                .maxAge((int) maxAge)
                .build();
    }

    private static String fresh() {
        return HexFormat.of().formatHex(bytes());
    }

    private static byte[] bytes() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
