package dev.onramp.engine.broadcast;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onramp.broadcast.BroadcastSpec;
import dev.onramp.engine.broadcast.Broadcasts.View;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.run.Broadcast;
import dev.onramp.journey.run.Broadcasting;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import dev.onramp.templates.Rendered;
import dev.onramp.templates.TemplateData;
import dev.onramp.templates.TemplateException;
import dev.onramp.templates.TemplateSet;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.qute.Engine;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Incidents ({@code docs/broadcasts.md#incidents}), for the API and the console alike: open one with its first
 * notice, send updates and the resolve to exactly the users who received the notice, see the timeline with each
 * message's counts — and, before any of it, a draft: the message checked, the exact number it would go to now, and
 * how it reads for one of them.
 */
@ApplicationScoped
public class Incidents {

    /**
     * An incident and its timeline.
     *
     * @param recipients those who received the first notice: its updates and resolve go to them
     * @param timeline the notice, the updates and the resolve, oldest first
     */
    public record IncidentView(
            String id,
            String title,
            String state,
            boolean holdNudges,
            Instant openedAt,
            Instant resolvedAt,
            long recipients,
            List<Part> timeline) {}

    /** One message of an incident: {@code notice}, {@code update} or {@code resolve}. */
    public record Part(String part, Instant at, Instant nextUpdateBy, View broadcast) {}

    /** What a call did: the incident as it is after it, and whether it only answered an earlier call again. */
    public record Result(IncidentView view, boolean replayed) {}

    /**
     * A message not yet sent, as it would go.
     *
     * @param recipients exactly how many it would go to if sent now: for a notice, the users known now who match its
     *     audience; for an update or the resolve, the notice's recipients
     * @param sample the recipient it is previewed for; null when there is nobody
     * @param previews each channel in each of its locales, rendered for {@code sample}
     */
    public record Draft(BroadcastSpec spec, long recipients, String sample, List<Preview> previews) {}

    /**
     * One channel's version of a draft, rendered.
     *
     * @param locale null for the untranslated version
     * @param subject an email's subject; null for the other channels
     * @param title an in-app message's title; null for the other channels
     * @param body the text as read: an email's plain-text part, the others' body
     * @param error why it cannot be rendered for the sample recipient; null when it can
     */
    public record Preview(String channel, String locale, String subject, String title, String body, String error) {}

    private static final int COUNT_CHUNK = 5_000;
    private static final Engine QUTE = TemplateSet.engine();

    private final Broadcasts broadcasts;
    private final BroadcastStore store;
    private final IncidentStore incidents;
    private final BroadcastFanOut fanOut;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final dev.onramp.engine.journey.JourneyRegistry registry;

    Incidents(
            Broadcasts broadcasts,
            BroadcastStore store,
            IncidentStore incidents,
            BroadcastFanOut fanOut,
            DataSource dataSource,
            InstantSource clock,
            dev.onramp.engine.journey.JourneyRegistry registry) {
        this.broadcasts = broadcasts;
        this.store = store;
        this.incidents = incidents;
        this.fanOut = fanOut;
        this.dataSource = dataSource;
        this.clock = clock;
        this.registry = registry;
    }

    /** Reads an incident's first notice; a 400 naming every bad field. */
    public BroadcastSpec notice(JsonNode tree, String id) {
        JsonNode hold = tree == null ? null : tree.get("holdNudges");
        if (hold != null && !hold.isBoolean()) {
            throw ProblemException.badField("/holdNudges", "true or false");
        }
        return Broadcasts.read(tree, broadcasts.context(), BroadcastSpec.Form.INCIDENT_NOTICE, id, null)
                .holdingNudges(hold == null || hold.asBoolean());
    }

    /** Opens an incident and sends its first notice, a broadcast ({@code title} is its name). */
    public Result open(String key, byte[] body) {
        String scopedKey = Broadcasts.key(key) == null ? null : "POST /v1/incidents " + key;
        String id = "inc-" + UUID.randomUUID().toString().substring(0, 8);
        BroadcastSpec spec = notice(broadcasts.body(body), id);
        String hash = Broadcasts.digest(body);
        boolean[] replayed = {false};
        IncidentView view = QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.instant();
            try (Connection c = dataSource.getConnection()) {
                if (scopedKey != null) {
                    Broadcasts.lockKey(c, scopedKey);
                    var existing = incidents.findByKey(c, scopedKey);
                    if (existing.isPresent()) {
                        if (!existing.get().requestHash().equals(hash)) {
                            throw Broadcasts.keyReused(
                                    "Incident " + existing.get().id());
                        }
                        replayed[0] = true;
                        return view(c, existing.get(), now);
                    }
                }
                Broadcasts.Created notice = broadcasts.create(c, null, hash, spec, "notice", null, now);
                incidents.create(
                        c,
                        id,
                        spec.name(),
                        spec.holdNudges(),
                        scopedKey,
                        hash,
                        notice.view().id(),
                        now);
                return view(c, incidents.find(c, id).orElseThrow(), now);
            }
        });
        if (!replayed[0]) {
            fanOut.wake();
        }
        return new Result(view, replayed[0]);
    }

    /**
     * Sends an update or the resolve ({@code part}) to exactly the users who received the first notice — none who
     * joined later, none who were skipped, none it failed to reach or who unsubscribed from it.
     */
    public Result followUp(String id, String part, String key, byte[] body) {
        String scopedKey = Broadcasts.key(key) == null ? null : "POST /v1/incidents/" + id + "/" + part + " " + key;
        JsonNode tree = broadcasts.body(body);
        BroadcastSpec.Context context = broadcasts.context();
        String hash = Broadcasts.digest(body);
        boolean[] replayed = {false};
        IncidentView view = QuarkusTransaction.requiringNew().call(() -> {
            Instant now = clock.instant();
            try (Connection c = dataSource.getConnection()) {
                IncidentStore.Row incident = incidents.lock(c, id).orElseThrow(() -> notFound(id));
                BroadcastSpec spec = followUpSpec(tree, context, incident, part);
                if (scopedKey != null) {
                    Broadcasts.lockKey(c, scopedKey);
                    var existing = store.findByKey(c, scopedKey);
                    if (existing.isPresent()) {
                        if (!existing.get().requestHash().equals(hash)) {
                            throw Broadcasts.keyReused(
                                    "The " + part + " " + existing.get().id());
                        }
                        replayed[0] = true;
                        return view(c, incident, now);
                    }
                }
                BroadcastStore.Row notice = sentNotice(c, incident);
                broadcasts.create(c, scopedKey, hash, spec, part, notice.id(), now);
                if (part.equals("resolve")) {
                    incidents.resolve(c, incident, now, broadcasts.holdRecheck());
                }
                return view(c, incidents.find(c, id).orElseThrow(), now);
            }
        });
        if (!replayed[0]) {
            fanOut.wake();
        }
        return new Result(view, replayed[0]);
    }

    /** A first notice checked, counted and previewed; nothing is created. */
    public Draft draftNotice(JsonNode tree) throws SQLException {
        BroadcastSpec spec = notice(tree, "inc-draft");
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            Condition where = spec.condition(broadcasts.context().conditions());
            long count = 0;
            BroadcastStore.Candidate sample = null;
            if (spec.audience() == BroadcastSpec.Audience.USERS) {
                var known = store.known(c, spec.users());
                count = known.size();
                for (String user : spec.users()) {
                    if (known.contains(user)) {
                        sample = store.candidate(c, user).orElse(null);
                        break;
                    }
                }
            } else {
                // The snapshot's own rule, over the users known now: the count is what it would take if sent now.
                String after = "";
                while (true) {
                    List<BroadcastStore.Candidate> chunk = store.candidates(c, after, now, COUNT_CHUNK);
                    for (BroadcastStore.Candidate candidate : chunk) {
                        if (candidate.matches(where, now)) {
                            count++;
                            if (sample == null) {
                                sample = candidate;
                            }
                        }
                    }
                    if (chunk.size() < COUNT_CHUNK) {
                        break;
                    }
                    after = chunk.getLast().userId();
                }
            }
            return draft(spec, count, sample);
        }
    }

    /** An update or the resolve checked, counted and previewed; nothing is created. */
    public Draft draftFollowUp(String id, String part, JsonNode tree) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            IncidentStore.Row incident = incidents.find(c, id).orElseThrow(() -> notFound(id));
            BroadcastSpec spec = followUpSpec(tree, broadcasts.context(), incident, part);
            BroadcastStore.Row notice = sentNotice(c, incident);
            return draft(
                    spec,
                    store.followUpAudience(c, notice.id()),
                    store.firstFollowUpRecipient(c, notice.id()).orElse(null));
        }
    }

    public Optional<IncidentView> find(String id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Optional<IncidentStore.Row> row = incidents.find(c, id);
            return row.isEmpty() ? Optional.empty() : Optional.of(view(c, row.get(), clock.instant()));
        }
    }

    public List<IncidentView> latest(int limit) throws SQLException {
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            List<IncidentView> views = new ArrayList<>();
            for (IncidentStore.Row row : incidents.latest(c, limit)) {
                views.add(view(c, row, now));
            }
            return views;
        }
    }

    /** The teammates who may sign a message, by id: from {@code team.yaml} in force. */
    public Map<String, String> teammates() {
        Map<String, String> out = new LinkedHashMap<>();
        var team = broadcasts.context().team();
        for (String id : team.teammateIds()) {
            team.teammate(id).ifPresent(t -> out.put(id, t.name() + (t.role().isBlank() ? "" : ", " + t.role())));
        }
        return out;
    }

    private BroadcastSpec followUpSpec(
            JsonNode tree, BroadcastSpec.Context context, IncidentStore.Row incident, String part) {
        return Broadcasts.read(
                tree,
                context,
                BroadcastSpec.Form.INCIDENT_FOLLOW_UP,
                incident.id(),
                incident.title() + (part.equals("resolve") ? ": resolved" : ": update"));
    }

    /** The notice an update goes after: a 409 when the incident is resolved or the notice is still being sent. */
    private BroadcastStore.Row sentNotice(Connection c, IncidentStore.Row incident) throws SQLException {
        if (!incident.open()) {
            throw conflict("Incident " + incident.id() + " was resolved at " + incident.resolvedAt()
                    + "; open a new one for what happens next.");
        }
        BroadcastStore.Row notice = store.find(c, incident.notice()).orElseThrow();
        if (notice.state().equals("sending")) {
            BroadcastStore.Counts counts = store.counts(c, notice.id());
            throw conflict("The first notice is still being sent (" + counts.of(BroadcastStore.Status.SENT)
                    + " sent, "
                    + (counts.of(BroadcastStore.Status.PENDING) + counts.of(BroadcastStore.Status.DEFERRED))
                    + " to go" + (notice.snapshotDone() ? "" : ", its audience still being taken")
                    + "); an update goes to exactly its recipients, so post it once the notice has been sent.");
        }
        return notice;
    }

    /** Each channel, each locale, rendered for the sample recipient as message-dispatch would render it. */
    private Draft draft(BroadcastSpec spec, long count, BroadcastStore.Candidate sample) {
        Broadcast broadcast = spec.toBroadcast("b-draft");
        Map<String, Object> traits = sample == null ? Map.of() : sample.traits();
        String user = sample == null ? "(nobody)" : sample.userId();
        Map<String, Object> context = new Broadcasting(registry.settings()).templateContext(broadcast, traits);
        Map<String, String> links = new LinkedHashMap<>();
        links.put("app", "(your app)");
        links.put("unsubscribe", "(unsubscribe link)");
        links.put("preferences", "(preferences link)");
        List<Preview> previews = new ArrayList<>();
        for (Channel channel : spec.channels()) {
            Broadcast.Content content = broadcast.content().get(channel);
            if (content == null) {
                previews.add(new Preview(
                        channel.wireName(),
                        null,
                        null,
                        null,
                        "",
                        "written in template '" + spec.template() + "': preview it on the journeys' templates page"));
                continue;
            }
            List<Map.Entry<String, Map<String, String>>> versions = new ArrayList<>();
            versions.add(new java.util.AbstractMap.SimpleEntry<>(null, content.fields()));
            versions.addAll(content.locales().entrySet());
            dev.onramp.templates.Channel rendered =
                    dev.onramp.templates.Channel.of(channel.wireName()).orElseThrow();
            for (var version : versions) {
                var data = TemplateData.of(
                        user,
                        traits,
                        context,
                        null,
                        null,
                        "preview",
                        rendered,
                        links,
                        spec.sender() == null ? Map.of() : spec.sender().templateData());
                TemplateSet.Inline compiled = TemplateSet.inline(
                        QUTE, spec.name(), rendered, version.getKey(), version.getValue(), "/content/" + channel);
                try {
                    Rendered r = TemplateSet.render(compiled.template(), data);
                    previews.add(new Preview(
                            channel.wireName(),
                            version.getKey(),
                            r.header("subject"),
                            r.header("title"),
                            channel == Channel.EMAIL ? r.text() : r.body(),
                            null));
                } catch (TemplateException e) {
                    previews.add(new Preview(channel.wireName(), version.getKey(), null, null, "", e.getMessage()));
                }
            }
        }
        return new Draft(spec, count, sample == null ? null : user, previews);
    }

    private IncidentView view(Connection c, IncidentStore.Row incident, Instant now) throws SQLException {
        List<Part> timeline = new ArrayList<>();
        long recipients = 0;
        for (BroadcastStore.Row row : store.ofIncident(c, incident.id())) {
            View view = broadcasts.view(c, row, now);
            if ("notice".equals(row.part())) {
                recipients = view.counts().sent();
            }
            timeline.add(new Part(row.part(), row.createdAt(), row.spec().nextUpdateBy(), view));
        }
        return new IncidentView(
                incident.id(),
                incident.title(),
                incident.state(),
                incident.holdNudges(),
                incident.openedAt(),
                incident.resolvedAt(),
                recipients,
                timeline);
    }

    static ProblemException notFound(String id) {
        return ProblemException.notFound("No incident '" + id + "'.");
    }

    private static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of(409, "conflict", "Conflict", detail));
    }
}
