package dev.onramp.engine.console;

import dev.onramp.engine.api.ExplainResource;
import dev.onramp.engine.conversation.Answering;
import dev.onramp.engine.conversation.ConversationStore;
import dev.onramp.journey.model.Teammate;
import dev.onramp.pipeline.StableIds;
import dev.onramp.pipeline.problem.ProblemException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The console's conversations ({@code docs/conversations.md}): the open ones by team, tag and status; one with its
 * messages, where it came from and where it went, and the user's journeys beside it (which step they were on when they
 * wrote); a reply signed by a teammate, and close. Text is shown as text: Qute escapes it, and nothing here renders
 * what anyone wrote as markup.
 */
@Path("/console/conversations")
public class ConversationConsole {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance conversations(
                String csrf, List<ConversationStore.Conversation> conversations, Filter filter, List<String> teams);

        static native TemplateInstance conversation(
                String csrf,
                ConversationStore.Conversation conversation,
                List<Line> messages,
                List<ExplainResource.JourneyView> journeys,
                List<Teammate> teammates,
                String key,
                String error,
                String notice);
    }

    /** What the list shows: a status ({@code open}, {@code closed}, {@code all}), a team and a tag, each optional. */
    public record Filter(String status, String team, String tag, String journey, String step) {
        public Filter(String status, String team, String tag) {
            this(status, team, tag, null, null);
        }

        public boolean shows(ConversationStore.Conversation c) {
            return (team == null || team.equals(c.team()))
                    && (tag == null || c.tags().contains(tag))
                    && (journey == null || journey.equals(c.journey()))
                    && (step == null || step.equals(c.step()));
        }
    }

    /** One message as the page shows it: who wrote it (the user, or a teammate by name). */
    public record Line(String author, String name, boolean user, String text, java.time.Instant at) {}

    private final ConsoleSessions sessions;
    private final ConversationStore store;
    private final Answering answering;
    private final ExplainResource explain;
    private final DataSource dataSource;
    private final InstantSource clock;

    ConversationConsole(
            ConsoleSessions sessions,
            ConversationStore store,
            Answering answering,
            ExplainResource explain,
            DataSource dataSource,
            InstantSource clock) {
        this.sessions = sessions;
        this.store = store;
        this.answering = answering;
        this.explain = explain;
        this.dataSource = dataSource;
        this.clock = clock;
    }

    @GET
    @Transactional
    public Response list(
            @QueryParam("status") String status,
            @QueryParam("team") String team,
            @QueryParam("tag") String tag,
            @QueryParam("journey") String journey,
            @QueryParam("step") String step,
            @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        if (!sessions.valid(session)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        String shown = status == null || !List.of("open", "closed", "all").contains(status) ? "open" : status;
        Filter filter = new Filter(shown, blank(team), blank(tag), blank(journey), blank(step));
        try (Connection c = dataSource.getConnection()) {
            List<ConversationStore.Conversation> found = store.list(c, shown.equals("all") ? null : shown, 500).stream()
                    .filter(filter::shows)
                    .toList();
            List<String> teams =
                    answering.team().teams().stream().map(t -> t.id()).toList();
            return ConsoleResource.page(Templates.conversations(sessions.csrf(session), found, filter, teams), 200)
                    .build();
        }
    }

    @GET
    @Path("{id}")
    @Transactional
    public Response conversation(
            @PathParam("id") String id,
            @QueryParam("sent") String sent,
            @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        if (!sessions.valid(session)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        String notice =
                switch (sent == null ? "" : sent) {
                    case "yes" -> "Sent to the user.";
                    case "again" -> "This page's answer was already sent; nothing was sent twice.";
                    case "triaged" -> "Owner and tags saved.";
                    default -> null;
                };
        return show(session, id, null, notice, 200);
    }

    @POST
    @Path("{id}/reply")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Transactional(rollbackOn = Exception.class)
    public Response reply(
            @PathParam("id") String id,
            @FormParam("csrf") String csrf,
            @FormParam("teammate") String teammate,
            @FormParam("text") String text,
            @FormParam("key") String key,
            @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        if (!sessions.csrfValid(session, csrf)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        try {
            Answering.Answer answer = answering.answer(id, teammate, text, key == null || key.isBlank() ? null : key);
            return ConsoleResource.redirect("/console/conversations/" + id + "?sent="
                            + (answer.answered().repeated() ? "again" : "yes"))
                    .build();
        } catch (ProblemException e) {
            if (e.problem().status() == 404) {
                return show(session, id, null, null, 404);
            }
            return show(session, id, e.problem().detail(), null, 400);
        }
    }

    @POST
    @Path("{id}/triage")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Transactional(rollbackOn = Exception.class)
    public Response triage(
            @PathParam("id") String id,
            @FormParam("csrf") String csrf,
            @FormParam("assignee") String assignee,
            @FormParam("tags") String tags,
            @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        if (!sessions.csrfValid(session, csrf)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        List<String> given = tags == null
                ? List.of()
                : java.util.Arrays.stream(tags.split("[,\\s]+"))
                        .filter(t -> !t.isBlank())
                        .toList();
        try {
            answering.triage(id, assignee, given, "the console");
            return ConsoleResource.redirect("/console/conversations/" + id + "?sent=triaged")
                    .build();
        } catch (ProblemException e) {
            if (e.problem().status() == 404) {
                return show(session, id, null, null, 404);
            }
            var errors = e.problem().errors();
            String why = errors == null || errors.isEmpty()
                    ? e.problem().detail()
                    : (errors.getFirst().pointer().startsWith("/tags") ? "Tags " : "Owner ")
                            + errors.getFirst().detail();
            return show(session, id, why, null, 400);
        }
    }

    @POST
    @Path("{id}/close")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Transactional(rollbackOn = Exception.class)
    public Response close(
            @PathParam("id") String id,
            @FormParam("csrf") String csrf,
            @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        if (!sessions.csrfValid(session, csrf)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        try (Connection c = dataSource.getConnection()) {
            if (store.find(c, id, true).isPresent()) {
                store.close(c, id, clock.instant());
            }
        }
        return ConsoleResource.redirect("/console/conversations/" + id).build();
    }

    private Response show(String session, String id, String error, String notice, int status) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Optional<ConversationStore.Conversation> found = store.find(c, id, false);
            if (found.isEmpty()) {
                return ConsoleResource.page(
                                Templates.conversations(
                                        sessions.csrf(session),
                                        List.of(),
                                        new Filter("open", null, null),
                                        answering.team().teams().stream()
                                                .map(t -> t.id())
                                                .toList()),
                                404)
                        .build();
            }
            ConversationStore.Conversation conversation = found.get();
            var team = answering.team();
            List<ConversationStore.Message> messages = store.messages(c, id);
            List<Line> lines = messages.stream()
                    .map(m -> new Line(
                            m.author(),
                            m.author().equals("user")
                                    ? conversation.userId()
                                    : m.author().startsWith("agent:")
                                            ? m.author().substring(6)
                                            : team.teammate(m.author())
                                                    .map(Teammate::name)
                                                    .orElse(m.author()),
                            m.author().equals("user"),
                            m.text(),
                            m.at()))
                    .toList();
            List<ExplainResource.JourneyView> journeys;
            try {
                journeys = explain.explain(conversation.userId()).journeys();
            } catch (ProblemException e) {
                journeys = List.of();
            }
            return ConsoleResource.page(
                            Templates.conversation(
                                    sessions.csrf(session),
                                    conversation,
                                    lines,
                                    journeys,
                                    team.teammates(),
                                    formKey(id, lines.size(), messages),
                                    error,
                                    notice),
                            status)
                    .build();
        }
    }

    /**
     * The reply form's idempotency key: the same for every submit of one view of the conversation (a double click, a
     * resubmit after Back), new once anything has been written since — so a teammate answers twice only on purpose.
     */
    static String formKey(String id, int count, List<ConversationStore.Message> messages) {
        String last = messages.isEmpty() ? "" : messages.getLast().id();
        return "console-" + StableIds.of(id, count + ":" + last);
    }

    private static String blank(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
