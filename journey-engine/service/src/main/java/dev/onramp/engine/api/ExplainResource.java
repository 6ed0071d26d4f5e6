package dev.onramp.engine.api;

import dev.onramp.engine.conversation.ConversationStore;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.state.ConversationLog;
import dev.onramp.engine.state.DecisionEntity;
import dev.onramp.engine.state.EnrollmentEntity;
import dev.onramp.engine.state.ProfileEntity;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.MessageSpec;
import dev.onramp.journey.model.Step;
import dev.onramp.journey.run.Broadcasting;
import dev.onramp.journey.run.Enrollment;
import dev.onramp.journey.run.UserState;
import dev.onramp.pipeline.problem.ProblemException;
import io.quarkus.panache.common.Sort;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Tells a support agent, for each journey, where a user is, what was sent, what is due next and why — or why not —
 * from the user's state and the append-only decision log.
 */
@Path("/v1/users/{userId}/journeys")
@Produces(MediaType.APPLICATION_JSON)
public class ExplainResource {

    private static final int LOG_LIMIT = 500;
    private static final Set<String> WHY_KINDS = Set.of(
            "step_current",
            "message_sent",
            "message_held_out",
            "message_deferred",
            "message_skipped",
            "exited",
            "completed");

    private final JourneyRegistry registry;
    private final ConversationStore conversations;
    private final DataSource dataSource;

    ExplainResource(JourneyRegistry registry, ConversationStore conversations, DataSource dataSource) {
        this.registry = registry;
        this.conversations = conversations;
        this.dataSource = dataSource;
    }

    /**
     * @param joinedIds the anonymous ids joined to this user (by identify or alias calls): what was done under them is
     *     part of this story
     */
    public record Explanation(
            String userId,
            List<String> joinedIds,
            Map<String, Object> traits,
            Map<String, String> blocked,
            List<JourneyView> journeys,
            List<BroadcastView> broadcasts,
            List<ConversationView> conversations) {}

    /**
     * What the user wrote back and what became of it (docs/conversations.md): each conversation as it stands, with its
     * lines of the journey log (what they wrote, who answered).
     */
    public record ConversationView(ConversationStore.Conversation conversation, List<LogEntry> log) {}

    /** What each broadcast did for the user ({@code docs/broadcasts.md}): sent, deferred and why, or skipped and why. */
    public record BroadcastView(String broadcast, String why, List<LogEntry> log) {}

    private static final String BROADCAST_LOG = Broadcasting.logName("");

    public record JourneyView(
            String journey,
            String name,
            Integer currentVersion,
            Integer cycle,
            String status,
            Instant enrolledAt,
            Boolean holdout,
            Instant endedAt,
            Instant convertedAt,
            List<StepView> steps,
            Next next,
            String why,
            List<Enrollment.SentMessage> sent,
            List<LogEntry> log) {}

    public record StepView(String id, String name, boolean done, Instant doneAt, boolean current) {}

    public record Next(
            String step, String kind, String channel, List<String> fallback, String template, Instant dueAt) {}

    public record LogEntry(Instant at, int cycle, String kind, String step, String detail, String messageId) {}

    @GET
    public Explanation explain(@PathParam("userId") String requested) throws SQLException {
        // An anonymous id joined to a user is that user now: the one story, whichever id support has at hand.
        String userId = ProfileEntity.<ProfileEntity>findByIdOptional(requested)
                .map(p -> p.mergedInto)
                .orElse(requested);
        // The log first: each statement sees what was committed when it ran, and a decision commits with the state
        // it explains, so state read after the log is at least as new as it. Read the other way round, a user
        // enrolled between the two reads looked "not enrolled" with an "enrolled" entry in the log.
        List<DecisionEntity> log = DecisionEntity.latestOf(userId, LOG_LIMIT);
        ProfileEntity profile = ProfileEntity.findById(userId);
        List<Enrollment> enrollments =
                EnrollmentEntity.<EnrollmentEntity>list(
                                "userId", Sort.by("journey").and("cycle"), userId)
                        .stream()
                        .map(EnrollmentEntity::toEnrollment)
                        .toList();
        UserState state = profile == null ? UserState.empty(userId) : new UserState(profile.toProfile(), enrollments);
        Map<String, List<LogEntry>> logByJourney = new LinkedHashMap<>();
        for (DecisionEntity d : log) {
            logByJourney
                    .computeIfAbsent(d.journey, k -> new ArrayList<>())
                    .add(new LogEntry(d.at, d.cycle, d.kind, d.step, d.detail, d.messageId));
        }
        if (profile == null && log.isEmpty()) {
            throw ProblemException.notFound("Onramp has no record of user '" + userId
                    + "': no identify call and no event" + " any journey reacts to.");
        }
        Optional<JourneyRegistry.Live> live = registry.current();
        List<JourneyView> views = new ArrayList<>();
        for (Enrollment e : state.enrollments()) {
            Optional<Journey> journey = live.flatMap(l -> l.runtime().journeys().get(e.journeyId()));
            List<LogEntry> entries = logByJourney.getOrDefault(e.journeyId(), List.of()).stream()
                    .filter(l -> l.cycle() == e.cycle())
                    .toList();
            views.add(view(e, journey, live.map(l -> l.version(e.journeyId())).orElse(null), entries));
        }
        // Journeys the user was considered for but not enrolled in say why; broadcasts say what they did.
        List<BroadcastView> broadcasts = new ArrayList<>();
        logByJourney.forEach((journeyId, entries) -> {
            if (journeyId.startsWith(ConversationLog.LOG_PREFIX)) {
                return;
            }
            if (journeyId.startsWith(BROADCAST_LOG)) {
                broadcasts.add(new BroadcastView(
                        journeyId.substring(BROADCAST_LOG.length()),
                        entries.getLast().detail(),
                        entries));
                return;
            }
            boolean enrolled =
                    state.enrollments().stream().anyMatch(e -> e.journeyId().equals(journeyId));
            if (!enrolled) {
                LogEntry last = entries.getLast();
                views.add(new JourneyView(
                        journeyId,
                        live.flatMap(l -> l.runtime().journeys().get(journeyId))
                                .map(Journey::name)
                                .orElse(journeyId),
                        live.map(l -> l.version(journeyId)).orElse(null),
                        null,
                        "not_enrolled",
                        null,
                        null,
                        null,
                        null,
                        List.of(),
                        null,
                        last.detail(),
                        List.of(),
                        entries));
            }
        });
        List<String> joined = ProfileEntity.<ProfileEntity>list("mergedInto", Sort.by("userId"), userId).stream()
                .map(p -> p.userId)
                .toList();
        List<ConversationView> wrote = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            for (ConversationStore.Conversation conversation : conversations.ofUser(c, userId)) {
                wrote.add(new ConversationView(
                        conversation,
                        logByJourney.getOrDefault(ConversationLog.LOG_PREFIX + conversation.id(), List.of())));
            }
        }
        return new Explanation(
                userId, joined, state.profile().traits(), state.profile().blocked(), views, broadcasts, wrote);
    }

    private static JourneyView view(Enrollment e, Optional<Journey> journey, Integer version, List<LogEntry> entries) {
        List<StepView> steps = new ArrayList<>();
        Next next = null;
        if (journey.isPresent()) {
            for (Step step : journey.get().steps()) {
                Instant doneAt = e.done().get(step.id());
                steps.add(new StepView(
                        step.id(),
                        step.name(),
                        doneAt != null,
                        doneAt,
                        step.id().equals(e.currentStep())));
                if (e.active()
                        && step.id().equals(e.currentStep())
                        && e.dueAt() != null
                        && e.nextMessage() < step.messages().size()) {
                    MessageSpec spec = step.messages().get(e.nextMessage());
                    next = new Next(
                            step.id(),
                            spec.kind().wireName(),
                            spec.channel().wireName(),
                            spec.fallback().stream().map(c -> c.wireName()).toList(),
                            spec.template(),
                            e.dueAt());
                }
            }
        } else {
            e.done().forEach((id, at) -> steps.add(new StepView(id, id, true, at, false)));
        }
        String why = null;
        for (LogEntry entry : entries) {
            if (WHY_KINDS.contains(entry.kind())) {
                why = (entry.step() == null ? "" : entry.step() + ": ") + entry.detail();
            }
        }
        if (e.active() && next == null && e.currentStep() != null) {
            why = "waiting for '" + e.currentStep() + "' to be done; no further message is scheduled for it";
        }
        return new JourneyView(
                e.journeyId(),
                journey.map(Journey::name).orElse(e.journeyId() + " (no longer loaded)"),
                version,
                e.cycle(),
                e.status().wireName(),
                e.enrolledAt(),
                e.holdout(),
                e.endedAt(),
                e.convertedAt(),
                steps,
                next,
                why,
                Collections.unmodifiableList(e.sent()),
                entries);
    }
}
