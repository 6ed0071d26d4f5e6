package dev.onramp.engine.console;

import dev.onramp.engine.api.ExplainResource;
import dev.onramp.engine.api.JourneysResource;
import dev.onramp.engine.api.ProblemException;
import dev.onramp.engine.journey.JourneyRegistry;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

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
    private final JourneyRegistry registry;
    private final ExplainResource explain;

    ConsoleResource(
            ConsoleSessions sessions, JourneysResource journeys, JourneyRegistry registry, ExplainResource explain) {
        this.sessions = sessions;
        this.journeys = journeys;
        this.registry = registry;
        this.explain = explain;
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance login(String nonce, String error);

        static native TemplateInstance journeys(String csrf, JourneysResource.LastLoad lastLoad, List<JourneyRow> rows);

        static native TemplateInstance journey(String csrf, JourneyPage page);

        static native TemplateInstance user(String csrf, String query, UserPage page, String notFound);
    }

    /** A user's story: one column per journey, each a timeline of what happened and why, oldest first. */
    public record UserPage(String userId, List<String> joinedIds, List<JourneyColumn> journeys) {}

    /** One journey in a user's story: where they are, what is due next and why, and the decisions in order. */
    public record JourneyColumn(
            String journey,
            String name,
            String status,
            boolean holdout,
            String next,
            String why,
            List<ExplainResource.LogEntry> timeline) {}

    /** A journey's page: what it is, its funnel per step for treatment and holdout, and its conversion and lift. */
    public record JourneyPage(
            JourneysResource.JourneyInfo journey,
            String goal,
            String holdout,
            Cell treatmentEntered,
            Cell holdoutEntered,
            List<StepRow> steps,
            Cell treatmentConverted,
            Cell holdoutConverted,
            String lift,
            String difference,
            String significance,
            String test) {}

    /** One step's row: nudged and done among treated users, done among held-out ones (who get no message). */
    public record StepRow(String step, Cell nudged, Cell done, Cell holdoutDone) {}

    /** A count and its share of the group's entries, as shown: always both, never a rate without its count. */
    public record Cell(long count, String share) {
        static Cell of(long count, long of) {
            return new Cell(count, of == 0 ? "–" : percent((double) count / of));
        }
    }

    /** One journey on the journeys page: what it is, and its funnel's totals for treatment and holdout. */
    public record JourneyRow(
            JourneysResource.JourneyInfo journey, JourneysResource.Group treatment, JourneysResource.Group holdout) {}

    @GET
    public Response journeys(@CookieParam(SESSION) String session) {
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
    @Path("journeys/{id}")
    public Response journey(@jakarta.ws.rs.PathParam("id") String id, @CookieParam(SESSION) String session) {
        if (!sessions.valid(session)) {
            return redirect("/console/login").build();
        }
        var info = journeys.list().journeys().stream()
                .filter(j -> j.id().equals(id))
                .findFirst();
        var model = registry.current().flatMap(l -> l.runtime().journeys().get(id));
        if (info.isEmpty() || model.isEmpty()) {
            return Response.status(404)
                    .type(MediaType.TEXT_PLAIN_TYPE)
                    .entity("No journey '" + id + "' is loaded.")
                    .build();
        }
        JourneysResource.Funnel funnel = journeys.funnel(id);
        JourneysResource.Group t = funnel.treatment();
        JourneysResource.Group h = funnel.holdout();
        Map<String, JourneysResource.StepCounts> heldOut = new java.util.HashMap<>();
        h.steps().forEach(s -> heldOut.put(s.step(), s));
        List<StepRow> steps = t.steps().stream()
                .map(s -> new StepRow(
                        s.step(),
                        Cell.of(s.nudged(), t.entered()),
                        Cell.of(s.done(), t.entered()),
                        Cell.of(
                                heldOut.getOrDefault(s.step(), new JourneysResource.StepCounts(s.step(), 0, 0))
                                        .done(),
                                h.entered())))
                .toList();
        Lift lift = Lift.of(t.converted(), t.entered(), h.converted(), h.entered());
        var journey = model.get();
        String goal = journey.goal()
                .map(g -> "“" + g.match().event() + "”"
                        + (g.within() == null ? ", at any time" : " within " + human(g.within())) + " of entering")
                .orElse("none: this journey names no goal, so nothing counts as a conversion");
        JourneyPage page = new JourneyPage(
                info.get(),
                goal,
                percent(journey.holdoutPercent() / 100),
                Cell.of(t.entered(), t.entered()),
                Cell.of(h.entered(), h.entered()),
                steps,
                Cell.of(t.converted(), t.entered()),
                Cell.of(h.converted(), h.entered()),
                lift.relative().map(ConsoleResource::signedPercent).orElse("–"),
                lift.difference()
                        .map(d -> "%s points (95%% CI %s to %s)"
                                .formatted(points(d.estimate()), points(d.low()), points(d.high())))
                        .orElse("–"),
                lift.pValue()
                        .map(p -> "p = %s: %s"
                                .formatted(
                                        p < 0.0001 ? "< 0.0001" : "%.4f".formatted(p),
                                        p < 0.05
                                                ? "unlikely to be chance"
                                                : "could well be chance; wait for more users"))
                        .orElse(
                                h.entered() == 0
                                        ? "No user was held out, so there is nothing to compare with."
                                        : "Too few users for a test yet (every cell of the table needs about 5)."),
                Lift.TEST);
        return page(Templates.journey(sessions.csrf(session), page), 200).build();
    }

    @GET
    @Path("users")
    public Response user(@QueryParam("id") String id, @CookieParam(SESSION) String session) {
        if (!sessions.valid(session)) {
            return redirect("/console/login").build();
        }
        String csrf = sessions.csrf(session);
        if (id == null || id.isBlank()) {
            return page(Templates.user(csrf, "", null, null), 200).build();
        }
        String query = id.strip();
        ExplainResource.Explanation story;
        try {
            story = explain.explain(query);
        } catch (ProblemException e) {
            return page(Templates.user(csrf, query, null, "Onramp has no record of “" + query + "”."), 404)
                    .build();
        }
        List<JourneyColumn> columns = story.journeys().stream()
                .map(j -> new JourneyColumn(
                        j.journey(),
                        j.name(),
                        j.status(),
                        Boolean.TRUE.equals(j.holdout()),
                        j.next() == null
                                ? null
                                : "%s (%s) by %s%s, due %s"
                                        .formatted(
                                                j.next().step(),
                                                j.next().kind(),
                                                j.next().channel(),
                                                j.next().fallback() == null
                                                                || j.next()
                                                                        .fallback()
                                                                        .isEmpty()
                                                        ? ""
                                                        : " then "
                                                                + String.join(
                                                                        ", ",
                                                                        j.next().fallback()),
                                                j.next().dueAt()),
                        j.why(),
                        j.log().stream()
                                .sorted(java.util.Comparator.comparing(ExplainResource.LogEntry::at))
                                .toList()))
                .toList();
        return page(Templates.user(csrf, query, new UserPage(story.userId(), story.joinedIds(), columns), null), 200)
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

    static String percent(double share) {
        return "%.1f%%".formatted(share * 100);
    }

    private static String signedPercent(double share) {
        return "%+.1f%%".formatted(share * 100);
    }

    private static String points(double difference) {
        return "%+.1f".formatted(difference * 100);
    }

    private static String human(java.time.Duration d) {
        if (d.toDays() > 0 && d.equals(java.time.Duration.ofDays(d.toDays()))) {
            return d.toDays() + (d.toDays() == 1 ? " day" : " days");
        }
        if (d.toHours() > 0 && d.equals(java.time.Duration.ofHours(d.toHours()))) {
            return d.toHours() + (d.toHours() == 1 ? " hour" : " hours");
        }
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
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
