package dev.onramp.engine.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.engine.api.ExplainResource;
import dev.onramp.engine.api.JourneysResource;
import dev.onramp.engine.figures.JourneyFigures;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.journey.JourneyVersion;
import dev.onramp.engine.state.JourneyCounts;
import dev.onramp.pipeline.problem.ProblemException;
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
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
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
    private final JourneyFigures figures;
    private final JourneyRegistry registry;
    private final ExplainResource explain;
    private final ObjectMapper json;
    private final InstantSource clock;
    private final TemplatePreviews previews;

    ConsoleResource(
            ConsoleSessions sessions,
            JourneysResource journeys,
            JourneyFigures figures,
            JourneyRegistry registry,
            ExplainResource explain,
            ObjectMapper json,
            InstantSource clock,
            TemplatePreviews previews,
            dev.onramp.engine.conversation.StepTalk talk) {
        this.previews = previews;
        this.talk = talk;
        this.sessions = sessions;
        this.journeys = journeys;
        this.figures = figures;
        this.registry = registry;
        this.explain = explain;
        this.json = json;
        this.clock = clock;
    }

    private final dev.onramp.engine.conversation.StepTalk talk;

    /** What users said about each step in the period (conversations opened then); none when it cannot be read. */
    private List<dev.onramp.engine.conversation.StepTalk.Row> talkOf(String journey, PeriodView period) {
        try {
            return talk.of(
                    journey,
                    period.from().atStartOfDay(java.time.ZoneOffset.UTC).toInstant(),
                    period.to()
                            .plusDays(1)
                            .atStartOfDay(java.time.ZoneOffset.UTC)
                            .toInstant());
        } catch (java.sql.SQLException e) {
            return List.of();
        }
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance login(String nonce, String error);

        static native TemplateInstance journeys(
                String csrf, PeriodView period, JourneysResource.LastLoad lastLoad, List<JourneyRow> rows);

        static native TemplateInstance journey(String csrf, PeriodView period, JourneyPage page);

        static native TemplateInstance user(String csrf, String query, UserPage page, String notFound);

        static native TemplateInstance templates(String csrf, TemplatesPage page);
    }

    /** One message a journey may send: a step's nudge or one of its reminders. */
    public record MessageRow(
            String step,
            int index,
            String kind,
            String after,
            String channels,
            String template,
            String query,
            boolean current) {}

    /**
     * The templates page: a journey's messages, and the chosen one rendered for a chosen user in each of its channels
     * and locales, with a test-send form for the channels that go to an address.
     */
    public record TemplatesPage(
            String journeyId,
            String journeyName,
            List<MessageRow> messages,
            MessageRow chosen,
            String userId,
            String problem,
            List<TemplatePreviews.Preview> previews,
            List<String> testChannels,
            TemplatePreviews.TestSent result) {}

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

    /** A journey's page: what it is, its funnel per step for treatment and holdout, its conversion, lift and trend. */
    public record JourneyPage(
            JourneysResource.JourneyInfo journey,
            String state,
            String goal,
            String holdout,
            Cell treatmentEntered,
            Cell holdoutEntered,
            List<StepRow> steps,
            List<ChannelRow> channels,
            List<dev.onramp.engine.conversation.StepTalk.Row> talk,
            Cell treatmentConverted,
            Cell holdoutConverted,
            String lift,
            String difference,
            String significance,
            String test,
            Trend trend) {}

    /**
     * One step's row: among treated users who reached, were nudged, reminded, read, clicked and did it, and how long
     * after entering; among held-out ones (who get no message), who did it and when.
     */
    public record StepRow(
            String step,
            Cell reached,
            Cell nudged,
            Cell reminded,
            Cell read,
            Cell clicked,
            Cell done,
            String median,
            Cell holdoutDone,
            String holdoutMedian) {}

    /** What became of one channel's messages: rates are of the messages sent. */
    public record ChannelRow(
            String channel,
            long sent,
            Cell delivered,
            Cell read,
            Cell clicked,
            Cell failed,
            Cell suppressed,
            Cell unsubscribed) {}

    /** A count and its share of the group's entries, as shown: always both, never a rate without its count. */
    public record Cell(long count, String share) {
        static Cell of(long count, long of) {
            return new Cell(count, of == 0 ? "–" : percent((double) count / of));
        }
    }

    /**
     * One journey on the journeys page: what it is, its state, its funnel's totals for treatment and holdout, its
     * entries per day.
     */
    public record JourneyRow(
            JourneysResource.JourneyInfo journey,
            String state,
            List<String> problems,
            JourneyFigures.Group treatment,
            JourneyFigures.Group holdout,
            Trend trend) {}

    /**
     * Figures per day, for a chart: {@code json} is what console.js draws with Chart.js; {@code text} says the same in
     * words for a reader without script.
     */
    public record Trend(String json, String text) {}

    /** The period a page shows: its form's values and the presets, one of which may be the current one. */
    public record PeriodView(
            LocalDate from, LocalDate to, String fromInput, String toInput, List<Preset> presets, String error) {
        /** The period's parameters, for links that keep it. */
        public String query() {
            return "from=" + fromInput + "&to=" + toInput;
        }
    }

    public record Preset(String label, String query, boolean current) {}

    @GET
    public Response journeys(
            @QueryParam("from") String from, @QueryParam("to") String to, @CookieParam(SESSION) String session) {
        if (!sessions.valid(session)) {
            return redirect("/console/login").build();
        }
        PeriodView period = period(from, to);
        JourneysResource.Catalog catalog = journeys.list();
        List<String> problems = catalog.lastLoad() == null || catalog.lastLoad().applied()
                ? List.of()
                : catalog.lastLoad().problems();
        List<JourneyRow> rows = new ArrayList<>();
        for (JourneysResource.JourneyInfo j : catalog.journeys()) {
            JourneyFigures.Funnel funnel = figures.funnel(j.id(), j.steps(), period.from(), period.to());
            List<String> own = problems.stream()
                    .filter(p -> j.source() != null && p.startsWith(j.source()))
                    .toList();
            rows.add(new JourneyRow(
                    j,
                    own.isEmpty() ? "loaded" : "broken",
                    own,
                    funnel.treatment(),
                    funnel.holdout(),
                    trend(j.id(), period, false)));
        }
        for (String removed : removed(catalog)) {
            JourneyFigures.Funnel funnel = figures.funnel(removed, List.of(), period.from(), period.to());
            rows.add(new JourneyRow(
                    new JourneysResource.JourneyInfo(
                            removed, removed, JourneyVersion.latest(removed), null, null, List.of()),
                    "removed",
                    List.of(),
                    funnel.treatment(),
                    funnel.holdout(),
                    trend(removed, period, false)));
        }
        return page(Templates.journeys(sessions.csrf(session), period, catalog.lastLoad(), rows), 200)
                .build();
    }

    @GET
    @Path("journeys/{id}")
    public Response journey(
            @jakarta.ws.rs.PathParam("id") String id,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @CookieParam(SESSION) String session) {
        if (!sessions.valid(session)) {
            return redirect("/console/login").build();
        }
        PeriodView period = period(from, to);
        var info = journeys.list().journeys().stream()
                .filter(j -> j.id().equals(id))
                .findFirst();
        var model = registry.current().flatMap(l -> l.runtime().journeys().get(id));
        if ((info.isEmpty() || model.isEmpty()) && !figures.known(id)) {
            return Response.status(404)
                    .type(MediaType.TEXT_PLAIN_TYPE)
                    .entity("No journey '" + id + "' is loaded, and nobody ever entered one by that id.")
                    .build();
        }
        JourneysResource.JourneyInfo journeyInfo =
                info.orElse(new JourneysResource.JourneyInfo(id, id, JourneyVersion.latest(id), null, null, List.of()));
        JourneyFigures.Funnel funnel = figures.funnel(id, journeyInfo.steps(), period.from(), period.to());
        JourneyFigures.Group t = funnel.treatment();
        JourneyFigures.Group h = funnel.holdout();
        Map<String, JourneyFigures.StepCounts> heldOut = new java.util.HashMap<>();
        h.steps().forEach(s -> heldOut.put(s.step(), s));
        List<StepRow> steps = t.steps().stream()
                .map(s -> {
                    JourneyFigures.StepCounts o = heldOut.getOrDefault(
                            s.step(), new JourneyFigures.StepCounts(s.step(), 0, 0, 0, 0, 0, 0, null));
                    return new StepRow(
                            s.step(),
                            Cell.of(s.reached(), t.entered()),
                            Cell.of(s.nudged(), t.entered()),
                            Cell.of(s.reminded(), t.entered()),
                            Cell.of(s.read(), t.entered()),
                            Cell.of(s.clicked(), t.entered()),
                            Cell.of(s.done(), t.entered()),
                            duration(s.medianSecondsToDone(), s.done()),
                            Cell.of(o.done(), h.entered()),
                            duration(o.medianSecondsToDone(), o.done()));
                })
                .toList();
        List<ChannelRow> channels = t.channels().stream()
                .map(c -> new ChannelRow(
                        c.channel(),
                        c.sent(),
                        Cell.of(c.delivered(), c.sent()),
                        Cell.of(c.read(), c.sent()),
                        Cell.of(c.clicked(), c.sent()),
                        Cell.of(c.failed(), c.sent()),
                        Cell.of(c.suppressed(), c.sent()),
                        Cell.of(c.unsubscribed(), c.sent())))
                .toList();
        Lift lift = Lift.of(t.converted(), t.entered(), h.converted(), h.entered());
        String goal = model.map(journey -> journey.goal()
                        .map(g -> "“" + g.match().event() + "”"
                                + (g.within() == null ? ", at any time" : " within " + human(g.within()))
                                + " of entering")
                        .orElse("none: this journey names no goal, so nothing counts as a conversion"))
                .orElse("not known: the journey is no longer loaded");
        JourneyPage page = new JourneyPage(
                journeyInfo,
                model.isPresent() ? "loaded" : "removed",
                goal,
                model.map(j -> percent(j.holdoutPercent() / 100)).orElse("–"),
                Cell.of(t.entered(), t.entered()),
                Cell.of(h.entered(), h.entered()),
                steps,
                channels,
                talkOf(id, period),
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
                Lift.TEST,
                trend(id, period, true));
        return page(Templates.journey(sessions.csrf(session), period, page), 200)
                .build();
    }

    /** Journeys that were loaded once and are no longer, newest id order. */
    private List<String> removed(JourneysResource.Catalog catalog) {
        java.util.Set<String> loaded = new java.util.HashSet<>();
        catalog.journeys().forEach(j -> loaded.add(j.id()));
        return JourneyVersion.ids().stream().filter(id -> !loaded.contains(id)).toList();
    }

    private PeriodView period(String from, String to) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        String error = null;
        LocalDate start = today.minusDays(29);
        LocalDate end = today;
        boolean given = (from != null && !from.isBlank()) || (to != null && !to.isBlank());
        if (given) {
            try {
                JourneysResource.Period p = JourneysResource.Period.of(from, to);
                start = p.from();
                end = p.to().isAfter(today) ? today : p.to();
            } catch (ProblemException e) {
                error = e.problem().detail();
            }
        }
        List<Preset> presets = new ArrayList<>();
        for (int days : new int[] {7, 30, 90, 365}) {
            LocalDate s = today.minusDays(days - 1);
            presets.add(new Preset(
                    days == 365 ? "12 months" : days + " days",
                    "from=" + s + "&to=" + today,
                    s.equals(start) && end.equals(today)));
        }
        presets.add(new Preset(
                "all time",
                "from=" + JourneyFigures.EPOCH + "&to=" + today,
                start.equals(JourneyFigures.EPOCH) && end.equals(today)));
        return new PeriodView(start, end, start.toString(), end.toString(), presets, error);
    }

    /**
     * Entries (and on a journey's page, conversions) per cohort day of the period, every day from the first with
     * anyone in it to the period's end.
     */
    private Trend trend(String journey, PeriodView period, boolean full) {
        List<JourneyFigures.Day> days = figures.days(journey, period.from(), period.to());
        if (days.isEmpty()) {
            return new Trend(null, "Nobody entered in this period.");
        }
        Map<LocalDate, JourneyFigures.Day> byDay = new java.util.HashMap<>();
        days.forEach(d -> byDay.put(d.day(), d));
        List<String> labels = new ArrayList<>();
        List<Long> entered = new ArrayList<>();
        List<Long> converted = new ArrayList<>();
        List<Long> heldOutConverted = new ArrayList<>();
        List<Long> heldOutEntered = new ArrayList<>();
        LocalDate first = days.get(0).day();
        for (LocalDate d = first; !d.isAfter(period.to()); d = d.plusDays(1)) {
            JourneyFigures.Day day = byDay.get(d);
            labels.add(d.toString());
            entered.add(
                    day == null
                            ? 0
                            : day.treatment().entered()
                                    + (full ? 0 : day.holdout().entered()));
            converted.add(day == null ? 0 : day.treatment().converted());
            heldOutEntered.add(day == null ? 0 : day.holdout().entered());
            heldOutConverted.add(day == null ? 0 : day.holdout().converted());
        }
        Map<String, Object> chart = new LinkedHashMap<>();
        chart.put("labels", labels);
        List<Map<String, Object>> series = new ArrayList<>();
        if (full) {
            series.add(Map.of("label", "Entered (treatment)", "data", entered));
            series.add(Map.of("label", "Converted (treatment)", "data", converted));
            series.add(Map.of("label", "Entered (holdout)", "data", heldOutEntered));
            series.add(Map.of("label", "Converted (holdout)", "data", heldOutConverted));
        } else {
            series.add(Map.of("label", "Entered", "data", entered));
        }
        chart.put("series", series);
        chart.put("kind", full ? "trend" : "sparkline");
        long total = entered.stream().mapToLong(Long::longValue).sum();
        long peak = entered.stream().mapToLong(Long::longValue).max().orElse(0);
        String text = "%d entered over %d days since %s; at most %d in a day."
                .formatted(
                        total
                                + (full
                                        ? heldOutEntered.stream()
                                                .mapToLong(Long::longValue)
                                                .sum()
                                        : 0),
                        labels.size(),
                        first,
                        peak);
        try {
            return new Trend(json.writeValueAsString(chart), text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String duration(Long seconds, long done) {
        if (seconds == null) {
            return done == 0 ? "–" : "over 30 days";
        }
        if (seconds <= JourneyCounts.WITHIN[0]) {
            return "< 1 min";
        }
        if (seconds < 90 * 60) {
            return Math.round(seconds / 60.0) + " min";
        }
        if (seconds < 36 * 3600) {
            return "%.1f h".formatted(seconds / 3600.0);
        }
        return "%.1f days".formatted(seconds / 86400.0);
    }

    @GET
    @Path("journeys/{id}/templates")
    public Response templates(
            @jakarta.ws.rs.PathParam("id") String id,
            @QueryParam("step") String step,
            @QueryParam("message") Integer message,
            @QueryParam("user") String user,
            @CookieParam(SESSION) String session) {
        if (!sessions.valid(session)) {
            return redirect("/console/login").build();
        }
        return templatesPage(id, step, message, user, null, null, session);
    }

    @POST
    @Path("journeys/{id}/test-send")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response testSend(
            @jakarta.ws.rs.PathParam("id") String id,
            @FormParam("csrf") String csrf,
            @FormParam("step") String step,
            @FormParam("message") Integer message,
            @FormParam("user") String user,
            @FormParam("channel") String channel,
            @FormParam("to") String to,
            @CookieParam(SESSION) String session) {
        if (!sessions.valid(session)) {
            return redirect("/console/login").build();
        }
        if (!sessions.csrfValid(session, csrf)) {
            return Response.status(403)
                    .type(MediaType.TEXT_PLAIN_TYPE)
                    .entity("This form did not come from your console session.")
                    .build();
        }
        return templatesPage(id, step, message, user, channel, to == null ? "" : to.strip(), session);
    }

    private Response templatesPage(
            String id, String step, Integer message, String user, String sendChannel, String to, String session) {
        var model = registry.current().flatMap(l -> l.runtime().journeys().get(id));
        if (model.isEmpty()) {
            return Response.status(404)
                    .type(MediaType.TEXT_PLAIN_TYPE)
                    .entity("No journey '" + id + "' is loaded.")
                    .build();
        }
        var journey = model.get();
        String userId = user == null ? "" : user.strip();
        List<MessageRow> rows = new ArrayList<>();
        MessageRow chosen = null;
        List<dev.onramp.journey.model.MessageSpec> specs = new ArrayList<>();
        for (var s : journey.steps()) {
            int i = 0;
            for (var m : s.messages()) {
                boolean current =
                        s.id().equals(step) && message != null && message == i || (step == null && rows.isEmpty());
                MessageRow row = new MessageRow(
                        s.id(),
                        i,
                        m.kind() == dev.onramp.journey.model.MessageKind.REMINDER ? "reminder " + i : "nudge",
                        human(m.after()),
                        String.join(
                                " → ",
                                m.channels().stream().map(c -> c.wireName()).toList()),
                        m.template(),
                        "step=" + s.id() + "&message=" + i + "&user="
                                + java.net.URLEncoder.encode(userId, java.nio.charset.StandardCharsets.UTF_8),
                        current);
                rows.add(row);
                specs.add(m);
                if (current) {
                    chosen = row;
                }
                i++;
            }
        }
        String problem = previews.unavailable().orElse(null);
        List<TemplatePreviews.Preview> rendered = new ArrayList<>();
        List<String> testChannels = new ArrayList<>();
        TemplatePreviews.TestSent result = null;
        int status = 200;
        if (chosen != null && problem == null) {
            var spec = specs.get(rows.indexOf(chosen));
            for (var c : spec.channels()) {
                if (c == dev.onramp.journey.model.Channel.EMAIL || c == dev.onramp.journey.model.Channel.SMS) {
                    testChannels.add(c.wireName());
                }
            }
            if (!userId.isEmpty()) {
                var sample = previews.sample(userId, id);
                if (sample.isEmpty()) {
                    problem = "Onramp has no record of “" + userId + "”: pick a user it knows.";
                    status = 404;
                } else {
                    for (var c : spec.channels()) {
                        for (String locale : previews.locales(spec.template(), c)) {
                            rendered.add(previews.preview(spec.template(), c, locale, sample.get()));
                        }
                    }
                    if (sendChannel != null) {
                        var channel = dev.onramp.journey.model.Channel.of(sendChannel);
                        if (channel.isEmpty() || !testChannels.contains(sendChannel)) {
                            result = new TemplatePreviews.TestSent(
                                    false, "channel: this message is not sent by " + sendChannel + ".");
                        } else if (to.isEmpty()) {
                            result = new TemplatePreviews.TestSent(false, "to: type an address to send the test to.");
                        } else {
                            result = previews.testSend(spec.template(), channel.get(), "", sample.get(), to);
                        }
                        if (!result.sent()) {
                            status = 400;
                        }
                    }
                }
            }
        }
        TemplatesPage page =
                new TemplatesPage(id, journey.name(), rows, chosen, userId, problem, rendered, testChannels, result);
        return page(Templates.templates(sessions.csrf(session), page), status).build();
    }

    @GET
    @Path("users")
    public Response user(@QueryParam("id") String id, @CookieParam(SESSION) String session)
            throws java.sql.SQLException {
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

    static Response.ResponseBuilder page(TemplateInstance page, int status) {
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

    static Response.ResponseBuilder redirect(String path) {
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
        if (d.toMinutes() > 0 && d.equals(java.time.Duration.ofMinutes(d.toMinutes()))) {
            return d.toMinutes() + " min";
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
