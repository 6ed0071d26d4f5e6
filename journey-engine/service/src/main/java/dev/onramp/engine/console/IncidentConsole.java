package dev.onramp.engine.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.engine.broadcast.Broadcasts;
import dev.onramp.engine.broadcast.Incidents;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The console's incident pages ({@code docs/broadcasts.md#from-the-console}): the list, one incident's timeline with
 * each message's counts (refreshing while one sends), and the forms that open an incident, post an update and resolve
 * it. A form is first previewed — every field checked, every channel rendered for one recipient, the exact number of
 * recipients — and only the confirm button sends; it carries an idempotency key, so a second click sends nothing more.
 */
@Path("/console/incidents")
public class IncidentConsole {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance incidents(String csrf, List<Incidents.IncidentView> incidents);

        static native TemplateInstance incident(String csrf, Incidents.IncidentView incident, boolean sending);

        static native TemplateInstance form(String csrf, FormPage page);
    }

    /** What the form holds, as typed. */
    public static class Form {
        @FormParam("key")
        public String key;

        @FormParam("title")
        public String title;

        @FormParam("audience")
        public String audience;

        @FormParam("where")
        public String where;

        @FormParam("users")
        public String users;

        @FormParam("channel")
        public List<String> channels;

        @FormParam("email_subject")
        public String emailSubject;

        @FormParam("email_body")
        public String emailBody;

        @FormParam("in_app_title")
        public String inAppTitle;

        @FormParam("in_app_body")
        public String inAppBody;

        @FormParam("sms_body")
        public String smsBody;

        @FormParam("sender")
        public String sender;

        @FormParam("next_update_by")
        public String nextUpdateBy;

        @FormParam("hold_nudges")
        public String holdNudges;

        @FormParam("recipients")
        public Long recipients;

        @FormParam("action")
        public String action;

        /** The digest of what was previewed: the confirm sends only that. */
        @FormParam("previewed")
        public String previewed;

        public boolean has(String channel) {
            return channels != null && channels.contains(channel);
        }

        public boolean holds() {
            return holdNudges != null;
        }

        public String audienceKind() {
            return audience == null ? "all" : audience;
        }

        static Form fresh(String part) {
            Form form = new Form();
            form.key = "console-" + UUID.randomUUID();
            form.audience = "all";
            form.channels = part.equals("update") ? List.of("in_app") : List.of("in_app", "email");
            form.holdNudges = "on";
            return form;
        }
    }

    /**
     * A form page.
     *
     * @param part {@code notice}, {@code update} or {@code resolve}
     * @param errors what is wrong, each with the field it is in
     * @param draft the preview, once the form is right
     * @param changed why the count shown before no longer holds; null when it does
     */
    public record FormPage(
            String part,
            String incidentId,
            String incidentTitle,
            Form form,
            List<String> errors,
            Incidents.Draft draft,
            Map<String, String> senders,
            String changed) {

        public String action() {
            return incidentId == null
                    ? "/console/incidents/new"
                    : "/console/incidents/" + incidentId + "/" + (part.equals("update") ? "update" : "resolve");
        }

        public String heading() {
            return switch (part) {
                case "notice" -> "Open an incident";
                case "update" -> "Post an update";
                default -> "Resolve";
            };
        }
    }

    /** The form shown again — with its errors, its preview, or why the preview no longer holds. */
    private record Again(String session, String part, String id, String title, Form form) {}

    private static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("/title", "Title"),
            Map.entry("/name", "Title"),
            Map.entry("/audience", "Audience"),
            Map.entry("/audience/where", "Condition"),
            Map.entry("/audience/users", "User ids"),
            Map.entry("/channels", "Channels"),
            Map.entry("/content/email/subject", "Email subject"),
            Map.entry("/content/email/body", "Email text"),
            Map.entry("/content/email/text", "Email text"),
            Map.entry("/content/in_app/title", "In-app title"),
            Map.entry("/content/in_app/body", "In-app text"),
            Map.entry("/content/sms/body", "SMS text"),
            Map.entry("/content/email", "Email"),
            Map.entry("/content/in_app", "In-app"),
            Map.entry("/content/sms", "SMS"),
            Map.entry("/sender", "Signed by"),
            Map.entry("/nextUpdateBy", "Next update by"),
            Map.entry("/holdNudges", "Hold onboarding messages"));

    private final ConsoleSessions sessions;
    private final Incidents incidents;
    private final ObjectMapper json;

    IncidentConsole(ConsoleSessions sessions, Incidents incidents, ObjectMapper json) {
        this.sessions = sessions;
        this.incidents = incidents;
        this.json = json;
    }

    @GET
    public Response list(@CookieParam(ConsoleResource.SESSION) String session) throws SQLException {
        if (!sessions.valid(session)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        return ConsoleResource.page(Templates.incidents(sessions.csrf(session), incidents.latest(50)), 200)
                .build();
    }

    @GET
    @Path("{id}")
    public Response incident(@PathParam("id") String id, @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        if (!sessions.valid(session)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        var found = incidents.find(id);
        if (found.isEmpty()) {
            return noIncident(id);
        }
        boolean sending = found.get().timeline().stream()
                .anyMatch(p -> p.broadcast().state().equals("sending")
                        || p.broadcast().state().equals("scheduled"));
        return ConsoleResource.page(Templates.incident(sessions.csrf(session), found.get(), sending), 200)
                .build();
    }

    @GET
    @Path("new")
    public Response newForm(@CookieParam(ConsoleResource.SESSION) String session) {
        if (!sessions.valid(session)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        return form(session, "notice", null, null, Form.fresh("notice"), List.of(), null, null, 200);
    }

    @GET
    @Path("{id}/{part: update|resolve}")
    public Response followUpForm(
            @PathParam("id") String id,
            @PathParam("part") String part,
            @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        if (!sessions.valid(session)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        var incident = incidents.find(id);
        if (incident.isEmpty()) {
            return noIncident(id);
        }
        return form(session, part, id, incident.get().title(), Form.fresh(part), List.of(), null, null, 200);
    }

    @POST
    @Path("new")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response open(
            @FormParam("csrf") String csrf, @BeanParam Form form, @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        return submit(session, csrf, "notice", null, null, form);
    }

    @POST
    @Path("{id}/{part: update|resolve}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response followUp(
            @PathParam("id") String id,
            @PathParam("part") String part,
            @FormParam("csrf") String csrf,
            @BeanParam Form form,
            @CookieParam(ConsoleResource.SESSION) String session)
            throws SQLException {
        var incident =
                sessions.valid(session) ? incidents.find(id) : java.util.Optional.<Incidents.IncidentView>empty();
        if (sessions.valid(session) && incident.isEmpty()) {
            return noIncident(id);
        }
        return submit(
                session,
                csrf,
                part,
                id,
                incident.map(Incidents.IncidentView::title).orElse(null),
                form);
    }

    /** Previews the form, or — confirmed with the count it showed — sends it. */
    private Response submit(String session, String csrf, String part, String id, String title, Form form)
            throws SQLException {
        if (!sessions.valid(session)) {
            return ConsoleResource.redirect("/console/login").build();
        }
        if (!sessions.csrfValid(session, csrf)) {
            return Response.status(403)
                    .type(MediaType.TEXT_PLAIN_TYPE)
                    .entity("This form did not come from your console session.")
                    .build();
        }
        if (form.key == null || !form.key.matches("console-[0-9a-f-]{36}")) {
            form.key = "console-" + UUID.randomUUID();
        }
        Again again = new Again(session, part, id, title, form);
        List<String> errors = new ArrayList<>();
        ObjectNode body = body(part, form, errors);
        if (!errors.isEmpty()) {
            return page(again, errors, null, null, 400);
        }
        Incidents.Draft draft;
        try {
            draft = part.equals("notice") ? incidents.draftNotice(body) : incidents.draftFollowUp(id, part, body);
        } catch (ProblemException e) {
            return page(again, describe(e.problem()), null, null, e.problem().status());
        }
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String digest = Broadcasts.digest(bytes);
        String changed = null;
        if (!digest.equals(form.previewed)) {
            changed = "The message changed after its preview: check this preview and confirm again.";
        } else if (form.recipients == null || form.recipients != draft.recipients()) {
            changed = "It would now go to " + draft.recipients() + " recipients, not the " + form.recipients
                    + " shown before: check the preview and confirm again.";
        }
        if (!"send".equals(form.action) || changed != null) {
            form.previewed = digest;
            boolean refused = "send".equals(form.action);
            return page(again, List.of(), draft, refused ? changed : null, refused ? 409 : 200);
        }
        Incidents.Result result;
        try {
            result = part.equals("notice")
                    ? incidents.open(form.key, bytes)
                    : incidents.followUp(id, part, form.key, bytes);
        } catch (ProblemException e) {
            return page(again, describe(e.problem()), draft, null, e.problem().status());
        }
        return ConsoleResource.redirect("/console/incidents/" + result.view().id())
                .build();
    }

    /** The API's request body for what the form holds; what cannot be read goes in {@code errors}. */
    private ObjectNode body(String part, Form form, List<String> errors) {
        ObjectNode body = json.createObjectNode();
        if (part.equals("notice")) {
            body.put("title", blankToNull(form.title));
            ObjectNode audience = body.putObject("audience");
            switch (form.audienceKind()) {
                case "where" -> audience.put("where", blankToNull(form.where));
                case "users" -> {
                    ArrayNode users = audience.putArray("users");
                    if (form.users != null) {
                        for (String user : form.users.split("[\\s,]+")) {
                            if (!user.isBlank()) {
                                users.add(user.strip());
                            }
                        }
                    }
                }
                default -> audience.put("all", true);
            }
            body.put("holdNudges", form.holds());
        }
        ArrayNode channels = body.putArray("channels");
        ObjectNode content = body.putObject("content");
        for (String channel : List.of("email", "in_app", "sms")) {
            if (!form.has(channel)) {
                continue;
            }
            channels.add(channel);
            ObjectNode c = content.putObject(channel);
            switch (channel) {
                case "email" -> {
                    putIfPresent(c, "subject", form.emailSubject);
                    if (form.emailBody != null && !form.emailBody.isBlank()) {
                        c.put("body", paragraphs(lines(form.emailBody)));
                        c.put("text", lines(form.emailBody));
                    }
                }
                case "in_app" -> {
                    putIfPresent(c, "title", form.inAppTitle);
                    putIfPresent(c, "body", form.inAppBody);
                }
                default -> putIfPresent(c, "body", form.smsBody);
            }
        }
        if (channels.isEmpty()) {
            errors.add("Channels: choose at least one of in-app, email and SMS");
        }
        if (form.sender != null && !form.sender.isBlank()) {
            body.put("sender", form.sender);
        }
        if (form.nextUpdateBy != null && !form.nextUpdateBy.isBlank()) {
            try {
                body.put(
                        "nextUpdateBy",
                        LocalDateTime.parse(form.nextUpdateBy.strip())
                                .toInstant(ZoneOffset.UTC)
                                .toString());
            } catch (DateTimeParseException e) {
                errors.add("Next update by: a date and time in UTC, such as 2026-12-07T14:00");
            }
        }
        return body;
    }

    /** The typed text as an email's HTML: each blank-line-separated paragraph a {@code <p>}, line for line. */
    static String paragraphs(String text) {
        String escaped = text.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        List<String> out = new ArrayList<>();
        for (String paragraph : escaped.split("\n[ \t]*\n")) {
            out.add("<p>" + paragraph.strip().replace("\n", "<br>\n") + "</p>");
        }
        return String.join("\n\n", out);
    }

    private static List<String> describe(Problem problem) {
        if (problem.errors() == null || problem.errors().isEmpty()) {
            return List.of(problem.detail());
        }
        List<String> out = new ArrayList<>();
        for (Problem.FieldError e : problem.errors()) {
            String label = LABELS.getOrDefault(e.pointer(), e.pointer());
            out.add(label + ": " + e.detail());
        }
        return out;
    }

    private Response page(Again again, List<String> errors, Incidents.Draft draft, String changed, int status) {
        return form(
                again.session(), again.part(), again.id(), again.title(), again.form(), errors, draft, changed, status);
    }

    private Response form(
            String session,
            String part,
            String id,
            String title,
            Form form,
            List<String> errors,
            Incidents.Draft draft,
            String changed,
            int status) {
        Map<String, String> senders;
        try {
            senders = incidents.teammates();
        } catch (ProblemException e) {
            senders = new LinkedHashMap<>();
        }
        return ConsoleResource.page(
                        Templates.form(
                                sessions.csrf(session),
                                new FormPage(part, id, title, form, errors, draft, senders, changed)),
                        status)
                .build();
    }

    private static Response noIncident(String id) {
        return Response.status(404)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity("No incident " + id)
                .build();
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null && !value.isBlank()) {
            node.put(field, lines(value));
        }
    }

    /** A browser sends a textarea's line breaks as CRLF: the message keeps plain newlines. */
    private static String lines(String value) {
        return value.replace("\r\n", "\n").strip();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
