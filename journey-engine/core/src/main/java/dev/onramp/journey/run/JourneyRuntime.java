package dev.onramp.journey.run;

import dev.onramp.journey.cel.CelValues;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.model.Durations;
import dev.onramp.journey.model.EventMatch;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.JourneySet;
import dev.onramp.journey.model.MessageSpec;
import dev.onramp.journey.model.Reentry;
import dev.onramp.journey.model.Step;
import dev.onramp.journey.run.Decision.Kind;
import dev.onramp.journey.run.Enrollment.SentMessage;
import dev.onramp.journey.run.Enrollment.Status;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The journey semantics: given what the engine knows of a user and what just happened (an event, a due timer, a
 * delivery report), decides what changes, what to log and what to send. Pure: no clock of its own, no I/O, so the
 * service, the scenario tester and the unit tests all run exactly this code. See {@code docs/journeys.md}.
 */
public final class JourneyRuntime {

    private final JourneySet journeys;
    private final ToIntFunction<String> versions;
    private final EngineSettings settings;
    private final HoldoutPolicy holdout;
    private final SendPolicy policy;

    /** Who is held out of a journey. */
    @FunctionalInterface
    public interface HoldoutPolicy {
        boolean isHeldOut(String journey, String userId, double percent);
    }

    /** @param versions the current version number of each journey (for message ids and the log) */
    public JourneyRuntime(JourneySet journeys, ToIntFunction<String> versions, EngineSettings settings) {
        this(journeys, versions, settings, Holdout::isHeldOut);
    }

    /** @param holdout who is held out: the stable hash in production; a fixed answer in scenario tests */
    public JourneyRuntime(
            JourneySet journeys, ToIntFunction<String> versions, EngineSettings settings, HoldoutPolicy holdout) {
        this.journeys = journeys;
        this.versions = versions;
        this.settings = settings;
        this.holdout = holdout;
        this.policy = new SendPolicy(settings);
    }

    public JourneySet journeys() {
        return journeys;
    }

    /** Whether an event with this name can change anything beyond the profile: saves work on the rest. */
    public boolean reactsTo(String eventName) {
        return journeys.reactsTo(eventName);
    }

    /** Applies one event: profile, then exits, goals and done steps of existing enrollments, then new enrollments. */
    public Outcome onEvent(UserState state, UserEvent event, Instant now) {
        Work work = new Work(state, now);
        if ("identify".equals(event.type())) {
            work.mergeTraits(event.traits());
        }
        Map<String, Object> eventVars = eventVars(event);
        List<Journey> reacting = journeys.reactingTo(event.name());
        for (Journey journey : reacting) {
            for (Draft e : work.enrollmentsOf(journey.id())) {
                applyToEnrollment(work, journey, e, event, eventVars);
            }
        }
        for (Journey journey : journeys.triggeredBy(event.name())) {
            maybeEnroll(work, journey, event, eventVars);
        }
        fireDue(work);
        return work.outcome();
    }

    /** Sends, defers or skips whatever is due for this user at {@code now}. */
    public Outcome onDue(UserState state, Instant now) {
        Work work = new Work(state, now);
        fireDue(work);
        return work.outcome();
    }

    /** What a delivery report changes: an unsubscribe or a permanent failure makes a channel unreachable. */
    public Outcome onDelivery(UserState state, DeliveryReport report, Instant now) {
        Work work = new Work(state, now);
        for (Draft e : work.enrollments) {
            for (int i = 0; i < e.sent.size(); i++) {
                SentMessage m = e.sent.get(i);
                if (!m.messageId().equals(report.messageId())) {
                    continue;
                }
                if (SentMessage.movesOn(m.status(), report.status())) {
                    e.sent.set(
                            i,
                            new SentMessage(
                                    m.messageId(),
                                    m.step(),
                                    m.kind(),
                                    m.ordinal(),
                                    report.channel() != null ? report.channel() : m.channel(),
                                    m.template(),
                                    m.journeyVersion(),
                                    m.at(),
                                    report.status()));
                }
                // Every report is logged as it came, even one that does not undo a later fact.
                work.log(
                        e,
                        m.step(),
                        Kind.DELIVERY,
                        report.status() + " by " + (report.channel() != null ? report.channel() : m.channel())
                                + (report.detail() == null ? "" : ": " + report.detail()),
                        m.messageId());
            }
        }
        if (report.channel() != null) {
            String key = report.blockedKey();
            switch (report.status()) {
                // An unsubscribe never replaces a suppression (a hard bounce outlives any preference), and subscribing
                // again lifts only the unsubscribe.
                case "unsubscribed" ->
                    work.blocked.merge(key, "unsubscribed", (was, given) -> addressSuppressed(was) ? was : given);
                case "subscribed" -> {
                    work.blocked.remove(key, "unsubscribed");
                    // Before suppressed events said their cause, a channel held back by an unsubscribe was stored as
                    // a suppression; subscribing again lifts that one too.
                    work.blocked.computeIfPresent(
                            report.channel().wireName(), (k, was) -> addressSuppressed(was) ? was : null);
                }
                // A channel held back by the user's unsubscribe is not a suppressed address: the unsubscribe came on
                // its own, and a security message may pass it.
                case "suppressed" -> {
                    if (!"unsubscribed".equals(report.cause())) {
                        work.blocked.put(
                                report.channel().wireName(),
                                "suppressed: " + (report.detail() == null ? "address rejected" : report.detail()));
                    }
                }
                default -> {}
            }
        }
        return work.outcome();
    }

    /**
     * Whether a block is an address nothing may send to (a hard bounce, a complaint, an SMS STOP) rather than the
     * user's preference, including blocks stored before suppressed events said their cause: those read "suppressed:
     * the user unsubscribed …".
     */
    private static boolean addressSuppressed(String block) {
        return block.startsWith("suppressed") && !block.startsWith("suppressed: the user unsubscribed");
    }

    /**
     * Joins an anonymous profile to a known user: what a visitor did before signing up counts as the user's. The known
     * profile's traits win and the anonymous one's fill in the traits it lacks; every unsubscription and suppression of
     * either stays; messages sent to either count toward frequency caps. The anonymous profile's enrollments become the
     * user's. Where both are in a journey at once, the user's enrollment continues, with the steps done and messages
     * sent while anonymous added to it (the earlier time of a step done by both). A journey's enrollments are numbered
     * again by when they began, the continuing one last. Then whatever became due is sent, now to the known user.
     * Rules and reasons in {@code docs/journeys.md}, "One person, one user".
     */
    public Merge merge(UserState known, UserState anonymous, Instant now) {
        Work work = new Work(known, now);
        Profile from = anonymous.profile();
        Map<String, Object> fill = new LinkedHashMap<>();
        from.traits().forEach((k, v) -> {
            if (!work.traits.containsKey(k)) {
                fill.put(k, v);
            }
        });
        work.mergeTraits(fill);
        from.blocked().forEach(work.blocked::putIfAbsent);
        work.recent.addAll(from.recent());
        work.recent.sort(Comparator.comparing(Profile.Sent::at));
        Map<String, List<Enrollment>> theirs = new LinkedHashMap<>();
        for (Enrollment e : anonymous.enrollments()) {
            theirs.computeIfAbsent(e.journeyId(), k -> new ArrayList<>()).add(e);
        }
        List<Merge.Renumbered> renumbered = new ArrayList<>();
        theirs.forEach((journeyId, moving) -> mergeJourney(work, from.userId(), journeyId, moving, renumbered));
        fireDue(work);
        return new Merge(from.userId(), work.outcome(), renumbered);
    }

    private void mergeJourney(
            Work work, String from, String journeyId, List<Enrollment> moving, List<Merge.Renumbered> renumbered) {
        List<Draft> ours = work.enrollmentsOf(journeyId);
        Draft active =
                ours.stream().filter(d -> d.status == Status.ACTIVE).findFirst().orElse(null);
        Enrollment folded = null;
        // Each enrollment as it was (its draft keeps whose it was and its cycle), ordered: ended ones by when they
        // began, the active last.
        List<Draft> order = new ArrayList<>(ours);
        for (Enrollment e : moving) {
            if (e.active() && active != null) {
                folded = e;
            } else {
                order.add(new Draft(e));
            }
        }
        if (folded != null) {
            fold(active, folded);
        }
        order.sort(Comparator.<Draft, Boolean>comparing(d -> d.status == Status.ACTIVE)
                .thenComparing(d -> d.enrolledAt)
                .thenComparing(d -> !d.userId.equals(work.userId)));
        work.enrollments.removeIf(d -> d.journeyId.equals(journeyId));
        Draft last = null;
        for (int i = 0; i < order.size(); i++) {
            Draft d = order.get(i);
            int to = i + 1;
            Draft moved = new Draft(d.toEnrollment(), work.userId, to);
            work.enrollments.add(moved);
            if (!d.userId.equals(work.userId) || d.cycle != to) {
                renumbered.add(new Merge.Renumbered(d.userId, journeyId, d.cycle, to));
            }
            if (d == active && folded != null) {
                renumbered.add(new Merge.Renumbered(from, journeyId, folded.cycle(), to));
            }
            last = moved;
        }
        long broughtIn = moving.size() - (folded == null ? 0 : 1);
        StringBuilder detail =
                new StringBuilder("anonymous profile '").append(from).append("' joined to this user");
        if (broughtIn > 0) {
            detail.append("; ")
                    .append(broughtIn)
                    .append(broughtIn == 1 ? " enrollment" : " enrollments")
                    .append(" of it moved here");
        }
        if (folded != null) {
            detail.append("; its active enrollment (cycle ")
                    .append(folded.cycle())
                    .append(") is folded into this one, which continues");
            List<String> steps = folded.done().keySet().stream().toList();
            if (!steps.isEmpty()) {
                detail.append(", with the steps it had done: ").append(String.join(", ", steps));
            }
        }
        work.log(last, null, Kind.MERGED, detail.toString(), null);
        if (folded != null) {
            Draft continuing = last;
            journeys.get(journeyId).ifPresent(journey -> advance(work, journey, continuing));
        }
    }

    /** Adds to the user's active enrollment what the anonymous one did: steps done, messages sent, a conversion. */
    private static void fold(Draft into, Enrollment other) {
        other.done().forEach((step, at) -> into.done.merge(step, at, (a, b) -> a.isBefore(b) ? a : b));
        into.sent.addAll(other.sent());
        into.sent.sort(Comparator.comparing(SentMessage::at));
        if (other.convertedAt() != null
                && (into.convertedAt == null || other.convertedAt().isBefore(into.convertedAt))) {
            into.convertedAt = other.convertedAt();
        }
    }

    /** When the next message of this user is due, if any. */
    public static Optional<Instant> nextDue(UserState state) {
        return state.enrollments().stream()
                .filter(Enrollment::active)
                .map(Enrollment::dueAt)
                .filter(java.util.Objects::nonNull)
                .min(Comparator.naturalOrder());
    }

    // ---- events

    private void applyToEnrollment(
            Work work, Journey journey, Draft e, UserEvent event, Map<String, Object> eventVars) {
        if (e.status == Status.ACTIVE) {
            for (EventMatch exit : journey.exits()) {
                if (matches(work, e, null, exit, event, eventVars, "exit")) {
                    e.status = Status.EXITED;
                    e.endedAt = work.now;
                    e.dueAt = null;
                    work.log(
                            e,
                            null,
                            Kind.EXITED,
                            "exit event " + event.name() + " arrived; nothing more will be sent",
                            null);
                    break;
                }
            }
        }
        journey.goal().ifPresent(goal -> {
            boolean inWindow =
                    goal.within() == null || !work.now.isAfter(e.enrolledAt.plus(settings.scale(goal.within())));
            if (e.convertedAt == null && inWindow && matches(work, e, null, goal.match(), event, eventVars, "goal")) {
                e.convertedAt = work.now;
                work.log(
                        e,
                        null,
                        Kind.CONVERTED,
                        "goal event " + event.name() + " arrived" + (e.holdout ? " (holdout group)" : ""),
                        null);
            }
        });
        if (e.status != Status.ACTIVE) {
            return;
        }
        boolean changed = false;
        for (Step step : journey.steps()) {
            if (e.done.containsKey(step.id())) {
                continue;
            }
            for (EventMatch doneWhen : step.doneWhen()) {
                if (matches(work, e, step.id(), doneWhen, event, eventVars, "done_when")) {
                    e.done.put(step.id(), work.now);
                    work.log(e, step.id(), Kind.STEP_DONE, event.name() + " arrived", null);
                    changed = true;
                    break;
                }
            }
        }
        if (changed) {
            advance(work, journey, e);
        }
    }

    private void maybeEnroll(Work work, Journey journey, UserEvent event, Map<String, Object> eventVars) {
        Draft latest = work.latest(journey.id());
        if (latest != null) {
            if (latest.status == Status.ACTIVE || journey.reentry() == Reentry.NEVER) {
                return;
            }
        }
        Condition.Result audience = journey.trigger().where().isAlways()
                ? Condition.Result.TRUE
                : journey.trigger().where().program().evaluate(work.userVars(), eventVars, work.now);
        int cycle = latest == null ? 1 : latest.cycle + 1;
        if (!audience.value()) {
            work.decisions.add(new Decision(
                    work.now,
                    work.userId,
                    journey.id(),
                    cycle,
                    null,
                    Kind.NOT_ENROLLED,
                    audience.failed()
                            ? "trigger condition could not be evaluated (" + audience.error()
                                    + "), so it counts as false"
                            : "trigger condition is false: "
                                    + journey.trigger().where().source(),
                    null));
            return;
        }
        boolean holdout = this.holdout.isHeldOut(journey.id(), work.userId, journey.holdoutPercent());
        Draft e = new Draft(journey.id(), work.userId, cycle, work.now, holdout, event.properties());
        work.enrollments.add(e);
        work.log(
                e,
                null,
                Kind.ENROLLED,
                "by " + event.name() + (holdout ? "; in the holdout group: tracked, never messaged" : ""),
                null);
        for (Step step : journey.steps()) {
            if (step.doneIf() == null) {
                continue;
            }
            Condition.Result result = step.doneIf().program().evaluate(work.userVars(), eventVars, work.now);
            if (result.failed()) {
                work.log(
                        e,
                        step.id(),
                        Kind.CONDITION_FAILED,
                        "done_if could not be evaluated (" + result.error() + "), so the step is not done",
                        null);
            } else if (result.value()) {
                e.done.put(step.id(), work.now);
                work.log(
                        e,
                        step.id(),
                        Kind.STEP_DONE,
                        "already done at enrollment (done_if: " + step.doneIf().source() + ")",
                        null);
            }
        }
        advance(work, journey, e);
    }

    private boolean matches(
            Work work,
            Draft e,
            String step,
            EventMatch match,
            UserEvent event,
            Map<String, Object> eventVars,
            String what) {
        if (!match.event().equals(event.name())) {
            return false;
        }
        if (match.where().isAlways()) {
            return true;
        }
        Condition.Result result = match.where().program().evaluate(work.userVars(), eventVars, work.now);
        if (result.failed()) {
            work.log(
                    e,
                    step,
                    Kind.CONDITION_FAILED,
                    what + " condition could not be evaluated (" + result.error() + "), so it counts as false",
                    null);
        }
        return result.value();
    }

    /** Makes the first step that is not done the current one, or completes the enrollment. */
    private void advance(Work work, Journey journey, Draft e) {
        Step next = firstNotDone(journey, e);
        if (next == null) {
            e.status = Status.COMPLETED;
            e.endedAt = work.now;
            e.currentStep = null;
            e.dueAt = null;
            work.log(e, null, Kind.COMPLETED, "every step is done", null);
            return;
        }
        if (next.id().equals(e.currentStep)) {
            return;
        }
        e.currentStep = next.id();
        e.currentSince = work.now;
        e.nextMessage = 0;
        e.lastMessageAt = null;
        String due = scheduleNext(next, e, work.now);
        work.log(
                e,
                next.id(),
                Kind.STEP_CURRENT,
                "is the next step; " + (due == null ? "it sends no message, so the journey waits for it" : due),
                null);
    }

    private static Step firstNotDone(Journey journey, Draft e) {
        for (Step step : journey.steps()) {
            if (!e.done.containsKey(step.id())) {
                return step;
            }
        }
        return null;
    }

    /**
     * Sets the timer for the current step's next message, counted from {@code from}.
     *
     * @return what is due and when, for the log; null when the step has no further message
     */
    private String scheduleNext(Step step, Draft e, Instant from) {
        if (e.nextMessage >= step.messages().size()) {
            e.dueAt = null;
            return null;
        }
        MessageSpec spec = step.messages().get(e.nextMessage);
        e.dueAt = from.plus(settings.scale(spec.after()));
        return spec.kind() + " by " + spec.channel() + " (" + spec.template() + ") due at " + e.dueAt + " ("
                + Durations.format(spec.after()) + " after "
                + (e.nextMessage == 0 ? "it became next" : "the previous message") + ")";
    }

    /** The log's words for what comes after a message of the step. */
    private static String then(String next) {
        return next == null ? "; no further message for this step" : "; next: " + next;
    }

    // ---- timers

    private void fireDue(Work work) {
        // Firing one enrollment may defer or schedule; loop until nothing is due now.
        for (int guard = 0; guard < 1_000; guard++) {
            Draft due = work.enrollments.stream()
                    .filter(d -> d.status == Status.ACTIVE && d.dueAt != null && !d.dueAt.isAfter(work.now))
                    .min(Comparator.comparing((Draft d) -> d.dueAt).thenComparing(d -> d.journeyId))
                    .orElse(null);
            if (due == null) {
                return;
            }
            fire(work, due);
        }
        throw new IllegalStateException("firing due messages for " + work.userId + " does not settle");
    }

    private void fire(Work work, Draft e) {
        Optional<Journey> maybeJourney = journeys.get(e.journeyId);
        if (maybeJourney.isEmpty()) {
            e.status = Status.EXITED;
            e.endedAt = work.now;
            e.dueAt = null;
            work.log(e, e.currentStep, Kind.EXITED, "the journey no longer exists", null);
            return;
        }
        Journey journey = maybeJourney.get();
        Step next = firstNotDone(journey, e);
        if (next == null || !next.id().equals(e.currentStep)) {
            // The journey changed since the timer was set: follow the current version, by step id.
            e.dueAt = null;
            advance(work, journey, e);
            return;
        }
        if (e.nextMessage >= next.messages().size()) {
            e.dueAt = null;
            return;
        }
        MessageSpec spec = next.messages().get(e.nextMessage);
        Instant from = e.nextMessage == 0 ? e.currentSince : e.lastMessageAt;
        Instant dueNow = from.plus(settings.scale(spec.after()));
        if (dueNow.isAfter(work.now)) {
            // Edited to wait longer than when the timer was set.
            e.dueAt = dueNow;
            return;
        }
        Instant dueAt = e.dueAt;
        Map<String, Object> triggerVars = triggerVars(journey, e);

        Condition.Result audience = journey.trigger().where().isAlways()
                ? Condition.Result.TRUE
                : journey.trigger().where().program().evaluate(work.userVars(), triggerVars, work.now);
        if (!audience.value()) {
            skip(
                    work,
                    journey,
                    next,
                    e,
                    spec,
                    dueAt,
                    audience.failed()
                            ? "the trigger condition could not be evaluated (" + audience.error() + ")"
                            : "the user no longer matches the trigger condition: "
                                    + journey.trigger().where().source());
            return;
        }
        if (!spec.where().isAlways()) {
            Condition.Result where = spec.where().program().evaluate(work.userVars(), triggerVars, work.now);
            if (!where.value()) {
                skip(
                        work,
                        journey,
                        next,
                        e,
                        spec,
                        dueAt,
                        where.failed()
                                ? "its condition could not be evaluated (" + where.error() + ")"
                                : "its condition is false: " + spec.where().source());
                return;
            }
        }
        SendPolicy.Ask ask = SendPolicy.Ask.journey(
                spec.channels(), journey.id(), e.holdout, journey.quietHours(), zoneOf(work, journey));
        SendPolicy.Verdict verdict = policy.decide(ask, work.recipient(), work.now);
        int version = versions.applyAsInt(journey.id());
        String messageId =
                MessageIds.of(journey.id(), version, work.userId, e.cycle, next.id(), spec.kind(), e.nextMessage);
        String sentNote;
        switch (verdict) {
            case SendPolicy.Skip skip -> {
                skip(work, journey, next, e, spec, dueAt, skip.reason());
                return;
            }
            case SendPolicy.Defer defer -> {
                e.dueAt = defer.until();
                work.log(
                        e,
                        next.id(),
                        Kind.MESSAGE_DEFERRED,
                        spec.kind() + " by " + defer.channel() + " " + defer.reason(),
                        null);
                return;
            }
            case SendPolicy.HoldOut held -> {
                e.sent.add(new SentMessage(
                        messageId,
                        next.id(),
                        spec.kind(),
                        e.nextMessage,
                        held.channel(),
                        spec.template(),
                        version,
                        work.now,
                        "held_out"));
                sentNote = "would have sent the " + spec.kind() + " by " + held.channel() + " (" + spec.template()
                        + "); the user is in the holdout group";
            }
            case SendPolicy.Send send -> {
                Channel channel = send.channel();
                work.messages.add(new MessageRequest(
                        messageId,
                        MessageRequest.Origin.JOURNEY,
                        ask.priority(),
                        ask.category(),
                        null,
                        journey.id(),
                        version,
                        next.id(),
                        spec.kind(),
                        e.nextMessage,
                        channel,
                        send.fallbacks(),
                        spec.template(),
                        locale(work),
                        work.userId,
                        work.traits,
                        e.triggerProperties,
                        next.sender().orElse(null),
                        work.now,
                        work.now,
                        Map.of(),
                        next.replies()));
                e.sent.add(new SentMessage(
                        messageId,
                        next.id(),
                        spec.kind(),
                        e.nextMessage,
                        channel,
                        spec.template(),
                        version,
                        work.now,
                        "sent"));
                work.recent.add(new Profile.Sent(channel, work.now));
                String fallbackNote =
                        channel == spec.channel() ? "" : " (fallback: " + String.join(", ", send.passedOver()) + ")";
                sentNote = spec.kind() + " by " + channel + " (" + spec.template() + ")" + fallbackNote;
            }
        }
        e.nextMessage++;
        e.lastMessageAt = work.now;
        String due = scheduleNext(next, e, work.now);
        work.log(e, next.id(), e.holdout ? Kind.MESSAGE_HELD_OUT : Kind.MESSAGE_SENT, sentNote + then(due), messageId);
    }

    private void skip(Work work, Journey journey, Step step, Draft e, MessageSpec spec, Instant dueAt, String why) {
        e.nextMessage++;
        e.lastMessageAt = dueAt;
        String due = scheduleNext(step, e, dueAt);
        work.log(
                e,
                step.id(),
                Kind.MESSAGE_SKIPPED,
                spec.kind() + " by " + spec.channel() + " (" + spec.template() + ") not sent: " + why + then(due),
                null);
    }

    private ZoneId zoneOf(Work work, Journey journey) {
        if (work.traits.get("timezone") instanceof String tz) {
            try {
                return ZoneId.of(tz);
            } catch (DateTimeException ignored) {
                // an invalid trait falls back like a missing one
            }
        }
        return journey.timezone().orElse(settings.defaultZone());
    }

    private static String locale(Work work) {
        return work.traits.get("locale") instanceof String l && !l.isBlank() ? l : null;
    }

    // ---- condition variables

    private static Map<String, Object> eventVars(UserEvent event) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("name", event.name());
        vars.put("type", event.type());
        vars.put("properties", CelValues.map(event.properties()));
        vars.put("traits", CelValues.map(event.traits()));
        vars.put("messageId", event.messageId() == null ? "" : event.messageId());
        vars.put("timestamp", event.timestamp() == null ? "" : event.timestamp().toString());
        return vars;
    }

    private static Map<String, Object> triggerVars(Journey journey, Draft e) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("name", journey.trigger().event());
        vars.put("type", "track");
        vars.put("properties", CelValues.map(e.triggerProperties));
        vars.put("traits", Map.of());
        return vars;
    }

    // ---- working state

    /** A mutable copy of one enrollment while an outcome is being decided. */
    private static final class Draft {
        final String journeyId;
        final String userId;
        final int cycle;
        Status status;
        final Instant enrolledAt;
        final boolean holdout;
        final Map<String, Object> triggerProperties;
        final Map<String, Instant> done;
        String currentStep;
        Instant currentSince;
        int nextMessage;
        Instant lastMessageAt;
        Instant dueAt;
        Instant endedAt;
        Instant convertedAt;
        final List<SentMessage> sent;

        Draft(
                String journeyId,
                String userId,
                int cycle,
                Instant enrolledAt,
                boolean holdout,
                Map<String, Object> triggerProperties) {
            this.journeyId = journeyId;
            this.userId = userId;
            this.cycle = cycle;
            this.status = Status.ACTIVE;
            this.enrolledAt = enrolledAt;
            this.holdout = holdout;
            this.triggerProperties = new LinkedHashMap<>(triggerProperties);
            this.done = new LinkedHashMap<>();
            this.sent = new ArrayList<>();
        }

        Draft(Enrollment e) {
            this(e, e.userId(), e.cycle());
        }

        /** The enrollment as another user's, or with another cycle number. */
        Draft(Enrollment e, String userId, int cycle) {
            this.journeyId = e.journeyId();
            this.userId = userId;
            this.cycle = cycle;
            this.status = e.status();
            this.enrolledAt = e.enrolledAt();
            this.holdout = e.holdout();
            this.triggerProperties = new LinkedHashMap<>(e.triggerProperties());
            this.done = new LinkedHashMap<>(e.done());
            this.currentStep = e.currentStep();
            this.currentSince = e.currentSince();
            this.nextMessage = e.nextMessage();
            this.lastMessageAt = e.lastMessageAt();
            this.dueAt = e.dueAt();
            this.endedAt = e.endedAt();
            this.convertedAt = e.convertedAt();
            this.sent = new ArrayList<>(e.sent());
        }

        Enrollment toEnrollment() {
            return new Enrollment(
                    journeyId,
                    userId,
                    cycle,
                    status,
                    enrolledAt,
                    holdout,
                    triggerProperties,
                    done,
                    currentStep,
                    currentSince,
                    nextMessage,
                    lastMessageAt,
                    dueAt,
                    endedAt,
                    convertedAt,
                    sent);
        }
    }

    private final class Work {
        final Instant now;
        final String userId;
        final Map<String, Object> traits;
        final Map<String, String> blocked;
        final List<Profile.Sent> recent;
        final List<Draft> enrollments = new ArrayList<>();
        final List<Decision> decisions = new ArrayList<>();
        final List<MessageRequest> messages = new ArrayList<>();
        private Map<String, Object> userVars;

        Work(UserState state, Instant now) {
            this.now = now;
            this.userId = state.profile().userId();
            this.traits = new LinkedHashMap<>(state.profile().traits());
            this.blocked = new HashMap<>(state.profile().blocked());
            this.recent = new ArrayList<>(state.profile().recent());
            state.enrollments().forEach(e -> enrollments.add(new Draft(e)));
        }

        void mergeTraits(Map<String, Object> update) {
            update.forEach((k, v) -> {
                if (v == null) {
                    traits.remove(k);
                } else {
                    traits.put(k, v);
                }
            });
            userVars = null;
        }

        Map<String, Object> userVars() {
            if (userVars == null) {
                userVars = Map.of("id", userId, "traits", CelValues.map(traits));
            }
            return userVars;
        }

        SendPolicy.Recipient recipient() {
            return new SendPolicy.Recipient(traits, blocked, recent);
        }

        List<Draft> enrollmentsOf(String journeyId) {
            return enrollments.stream()
                    .filter(e -> e.journeyId.equals(journeyId))
                    .toList();
        }

        Draft latest(String journeyId) {
            Draft latest = null;
            for (Draft e : enrollments) {
                if (e.journeyId.equals(journeyId) && (latest == null || e.cycle > latest.cycle)) {
                    latest = e;
                }
            }
            return latest;
        }

        void log(Draft e, String step, Kind kind, String detail, String messageId) {
            decisions.add(new Decision(now, userId, e.journeyId, e.cycle, step, kind, detail, messageId));
        }

        Outcome outcome() {
            Duration horizon = settings.capHorizon();
            List<Profile.Sent> keep = recent.stream()
                    .filter(s -> !horizon.isZero() && s.at().isAfter(now.minus(horizon)))
                    .toList();
            Profile profile = new Profile(userId, traits, blocked, keep);
            List<Enrollment> list =
                    enrollments.stream().map(Draft::toEnrollment).toList();
            return new Outcome(new UserState(profile, list), decisions, messages);
        }
    }
}
