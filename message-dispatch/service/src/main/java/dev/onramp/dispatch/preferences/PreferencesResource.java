package dev.onramp.dispatch.preferences;

import dev.onramp.dispatch.outbox.DeliveryEvent;
import dev.onramp.dispatch.outbox.Outbox;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What end users reach from an email: one-click unsubscribe (RFC 8058: {@code POST} with
 * {@code List-Unsubscribe=One-Click}), an unsubscribe page, and a preference page by journey and channel. Links are
 * signed per user ({@link Links}). Every change is a delivery event, so the engine stops (or resumes) choosing that
 * channel.
 */
@Path("/v1")
public class PreferencesResource {

    static final List<String> CHANNELS = List.of("email", "sms", "in_app");

    /** More than any page shows (two fields per journey and channel): a bigger form is not from the page. */
    static final int MAX_FORM_FIELDS = 2_000;

    private final Links links;
    private final Preferences preferences;
    private final Outbox outbox;
    private final InstantSource clock;

    PreferencesResource(Links links, Preferences preferences, Outbox outbox, InstantSource clock) {
        this.links = links;
        this.preferences = preferences;
        this.outbox = outbox;
        this.clock = clock;
    }

    @GET
    @Path("unsubscribe/{token}")
    @Produces(MediaType.TEXT_HTML)
    public String unsubscribePage(@PathParam("token") String token) {
        Links.Subject s = subject(token, Links.Purpose.UNSUBSCRIBE);
        String what = s.journey() == null ? "these messages" : Html.escape(scopeLabel(s.journey()));
        return Html.page(
                "Unsubscribe",
                "<p>Stop receiving " + what + " by " + Html.escape(label(s.channel())) + "?</p>"
                        + "<form method=\"post\"><input type=\"hidden\" name=\"scope\" value=\"journey\">"
                        + "<button type=\"submit\">Unsubscribe from " + what + "</button></form>"
                        + "<form method=\"post\"><input type=\"hidden\" name=\"scope\" value=\"channel\">"
                        + "<button type=\"submit\" class=\"secondary\">Unsubscribe from every "
                        + Html.escape(label(s.channel())) + "</button></form>"
                        + preferencesLink(s, "Choose message by message"));
    }

    /** One click from the mail client (RFC 8058), or a button of the page. */
    @POST
    @Path("unsubscribe/{token}")
    @Consumes({MediaType.APPLICATION_FORM_URLENCODED, MediaType.WILDCARD})
    @Produces(MediaType.TEXT_HTML)
    @Transactional(rollbackOn = Exception.class)
    public Response unsubscribe(@PathParam("token") String token, MultivaluedMap<String, String> form)
            throws SQLException {
        Links.Subject s = subject(token, Links.Purpose.UNSUBSCRIBE);
        boolean wholeChannel = "channel".equals(form == null ? null : form.getFirst("scope"));
        String journey = wholeChannel ? null : s.journey();
        change(s.userId(), journey, s.channel(), false);
        String what =
                journey == null ? "every " + label(s.channel()) : scopeLabel(journey) + " by " + label(s.channel());
        return Response.ok(Html.page(
                        "Unsubscribed",
                        "<p>Done: no more " + Html.escape(what) + ".</p>"
                                + preferencesLink(s, "Change your preferences")))
                .build();
    }

    @GET
    @Path("preferences/{token}")
    @Produces(MediaType.TEXT_HTML)
    public String preferencesPage(@PathParam("token") String token) {
        Links.Subject s = subject(token, Links.Purpose.PREFERENCES);
        List<Unsubscription> unsubscriptions = preferences.of(s.userId());
        Set<String> journeys = shownJourneys(s, unsubscriptions);
        Set<String> off = new java.util.HashSet<>();
        for (Unsubscription u : unsubscriptions) {
            off.add(u.journey + "|" + u.channel);
        }
        StringBuilder table = new StringBuilder("<form method=\"post\"><table><tr><th></th>");
        CHANNELS.forEach(ch -> table.append("<th>").append(label(ch)).append("</th>"));
        table.append("</tr><tr><th>Everything</th>");
        CHANNELS.forEach(ch -> table.append(box("*", ch, !off.contains("*|" + ch) && !off.contains("*|*"))));
        table.append("</tr>");
        for (String category : CATEGORIES) {
            table.append("<tr><th>")
                    .append(Html.escape(capitalized(scopeLabel(category))))
                    .append("</th>");
            CHANNELS.forEach(ch -> table.append(
                    box(category, ch, !off.contains(category + "|" + ch) && !off.contains(category + "|*"))));
            table.append("</tr>");
        }
        for (String journey : journeys) {
            table.append("<tr><th>").append(Html.escape(journey)).append("</th>");
            CHANNELS.forEach(ch ->
                    table.append(box(journey, ch, !off.contains(journey + "|" + ch) && !off.contains(journey + "|*"))));
            table.append("</tr>");
        }
        table.append("</table><button type=\"submit\">Save</button></form>");
        return Html.page(
                "Your message preferences",
                "<p>Choose what you receive, and how. Unticked means no more of it.</p>" + table);
    }

    @POST
    @Path("preferences/{token}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    @Transactional(rollbackOn = Exception.class)
    public Response savePreferences(@PathParam("token") String token, MultivaluedMap<String, String> form)
            throws SQLException {
        Links.Subject s = subject(token, Links.Purpose.PREFERENCES);
        if (form.values().stream().mapToInt(List::size).sum() > MAX_FORM_FIELDS) {
            throw ProblemException.badRequest("The form has more fields than the preference page shows.");
        }
        Set<String> journeys = shownJourneys(s, preferences.of(s.userId()));
        journeys.add("*");
        journeys.addAll(CATEGORIES);
        Set<String> shown = new LinkedHashSet<>();
        if (form.get("shown") != null) {
            shown.addAll(form.get("shown"));
        }
        int changes = 0;
        for (String key : shown) {
            String[] parts = key.split("\\|", 2);
            if (parts.length != 2 || !CHANNELS.contains(parts[1]) || !journeys.contains(parts[0])) {
                // Not a row of the page: a journey the user never had would be a preference row for nothing.
                continue;
            }
            boolean wanted = form.containsKey("on:" + key);
            changes += change(s.userId(), parts[0].equals("*") ? null : parts[0], parts[1], wanted) ? 1 : 0;
        }
        return Response.ok(Html.page(
                        "Preferences saved",
                        "<p>Saved" + (changes == 0 ? "; nothing changed" : "") + ".</p><p><a href=\""
                                + Html.escape(links.preferences(s, clock.instant()))
                                + "\">Back to your preferences</a></p>"))
                .build();
    }

    /** Records a change and tells the engine, in the caller's transaction; true when it changed anything. */
    private boolean change(String userId, String journey, String channel, boolean subscribed) throws SQLException {
        Instant now = clock.instant();
        boolean changed = subscribed
                ? preferences.resubscribe(userId, journey, channel)
                : preferences.unsubscribe(userId, journey, channel, now);
        if (changed) {
            String category = Preferences.categoryOf(journey)
                    .map(dev.onramp.dispatch.ledger.Category::wireName)
                    .orElse(null);
            outbox.publish(
                    new DeliveryEvent(
                            "pref-" + UUID.randomUUID(),
                            userId,
                            category != null ? null : journey,
                            null,
                            channel,
                            subscribed ? "subscribed" : "unsubscribed",
                            "from the preference page",
                            journey == null ? "channel" : category != null ? "category" : "journey",
                            null,
                            null,
                            category),
                    now);
        }
        return changed;
    }

    /**
     * The subject of a token, for the purpose it was made for. A preference link opens the page only while it is fresh
     * and while the address it was sent to is still the user's latest on that channel: a mailbox that changed hands,
     * or a message forwarded long ago, does not open someone's preferences.
     */
    private Links.Subject subject(String token, Links.Purpose purpose) {
        Links.Verified verified = links.verify(token, purpose, clock.instant());
        if (verified.refusal() == Links.Refusal.EXPIRED) {
            throw ProblemException.notFound(
                    "This link has expired. The links in your most recent message open your preferences.");
        }
        if (verified.subject() == null) {
            throw ProblemException.notFound("This link is not valid (any more).");
        }
        Links.Subject s = verified.subject();
        if (purpose == Links.Purpose.PREFERENCES && !stillTheirs(s)) {
            throw ProblemException.notFound(
                    "This link was sent to an address that is no longer this account's. The links in your most"
                            + " recent message open your preferences.");
        }
        return s;
    }

    /** The journeys the preference page has a row for: those that sent the user something, or that they left. */
    private Set<String> shownJourneys(Links.Subject s, List<Unsubscription> unsubscriptions) {
        Set<String> journeys = new LinkedHashSet<>(preferences.journeysOf(s.userId()));
        for (Unsubscription u : unsubscriptions) {
            if (!u.journey.equals("*")) {
                journeys.add(u.journey);
            }
        }
        if (s.journey() != null) {
            journeys.add(s.journey());
        }
        // The categories have rows of their own, always shown.
        journeys.removeIf(j -> j.startsWith(Preferences.CATEGORY));
        return journeys;
    }

    private boolean stillTheirs(Links.Subject s) {
        return s.addressTag() == null || links.sentTo(s, preferences.latestAddress(s.userId(), s.channel()));
    }

    /** A link to the preference page from an unsubscribe link, while that one is fresh and its address theirs. */
    private String preferencesLink(Links.Subject s, String label) {
        if (!links.fresh(s, clock.instant()) || !stillTheirs(s)) {
            return "<p>To choose message by message, use the preference link of a recent message.</p>";
        }
        return "<p><a href=\"" + Html.escape(links.preferences(s, clock.instant())) + "\">" + Html.escape(label)
                + "</a></p>";
    }

    private static String box(String journey, String channel, boolean on) {
        String key = journey + "|" + channel;
        return "<td><input type=\"hidden\" name=\"shown\" value=\"" + Html.escape(key)
                + "\"><input type=\"checkbox\" aria-label=\""
                + Html.escape((journey.equals("*")
                                ? "everything"
                                : journey.startsWith(Preferences.CATEGORY) ? scopeLabel(journey) : journey)
                        + " by " + label(channel))
                + "\" name=\"on:" + Html.escape(key) + "\""
                + (on ? " checked" : "") + "></td>";
    }

    /** The category rows of the preference page: a security notice passes them, so it has none. */
    static final List<String> CATEGORIES = List.of(
            Preferences.categoryScope(dev.onramp.dispatch.ledger.Category.MARKETING),
            Preferences.categoryScope(dev.onramp.dispatch.ledger.Category.PRODUCT));

    /** What a scope stops, in the user's words: "marketing messages", "messages of onboarding". */
    static String scopeLabel(String scope) {
        return Preferences.categoryOf(scope)
                .map(c -> switch (c) {
                    case MARKETING -> "marketing messages (news, offers)";
                    case PRODUCT -> "product messages (tips, onboarding, announcements)";
                    case SECURITY -> "security notices";
                })
                .orElse("messages of " + scope);
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    static String label(String channel) {
        return switch (channel) {
            case "email" -> "email";
            case "sms" -> "text message";
            case "in_app" -> "in-app message";
            default -> channel;
        };
    }
}
