package dev.onramp.journey.scenario;

import dev.onramp.journey.model.JourneySet;
import dev.onramp.journey.run.Decision;
import dev.onramp.journey.run.EngineSettings;
import dev.onramp.journey.run.Enrollment;
import dev.onramp.journey.run.JourneyRuntime;
import dev.onramp.journey.run.Merge;
import dev.onramp.journey.run.MessageRequest;
import dev.onramp.journey.run.Outcome;
import dev.onramp.journey.run.UserEvent;
import dev.onramp.journey.run.UserState;
import dev.onramp.journey.scenario.Scenario.Action;
import dev.onramp.journey.scenario.Scenario.Expectation;
import dev.onramp.journey.scenario.Scenario.MessageFilter;
import dev.onramp.journey.scenario.ScenarioResult.Check;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plays scenarios through the engine's own semantics ({@link JourneyRuntime}) on a virtual clock: events at their
 * times, every timer fired at its due time, nothing stored, nothing waited for. A scenario of days runs in
 * milliseconds.
 */
public final class ScenarioRunner {

    private static final int MAX_STEPS = 100_000;
    private final JourneySet journeys;
    private final EngineSettings settings;

    public ScenarioRunner(JourneySet journeys, EngineSettings settings) {
        this.journeys = journeys;
        this.settings = settings;
    }

    public ScenarioResult run(Scenario scenario) {
        long start = System.nanoTime();
        JourneyRuntime runtime =
                new JourneyRuntime(journeys, id -> 1, settings, (journey, user, percent) -> scenario.holdout());
        Play play = new Play(runtime, scenario.userId(), scenario.clock());
        try {
            if (!scenario.traits().isEmpty()) {
                play.event(UserEvent.identify(scenario.userId(), scenario.traits(), play.now));
            }
            for (Action action : scenario.actions()) {
                play.advanceTo(action.at());
                play.event(event(scenario, action));
            }
            play.advanceTo(scenario.until());
        } catch (RuntimeException e) {
            return new ScenarioResult(
                    scenario,
                    List.of(),
                    play.sent,
                    List.of(),
                    play.log,
                    System.nanoTime() - start,
                    "the engine failed while playing the scenario: " + e);
        }
        List<Check> checks = check(scenario, play);
        return new ScenarioResult(
                scenario,
                checks,
                play.sent,
                unexpected(scenario, play.sent, checks),
                play.log,
                System.nanoTime() - start,
                null);
    }

    /**
     * The call an action stands for, as an SDK sends it: before sign-in with the anonymousId only; after, with the
     * userId and, when the user has one, the anonymousId too.
     */
    private static UserEvent event(Scenario scenario, Action action) {
        String anonymousId = action.anonymousId() != null ? action.anonymousId() : scenario.anonymousId();
        String userId = action.anonymousId() != null ? action.anonymousId() : scenario.userId();
        return new UserEvent(
                null,
                action.type(),
                action.event(),
                userId,
                anonymousId,
                action.previousId(),
                action.properties(),
                action.traits(),
                action.at());
    }

    /**
     * One person's play: the user and the anonymous ids their devices used, each with its own state until an identify
     * or alias call joins it to the user, as journey-engine does.
     */
    private static final class Play {
        final JourneyRuntime runtime;
        final String userId;
        final Map<String, UserState> states = new LinkedHashMap<>();
        final Map<String, String> joined = new HashMap<>();
        Instant now;
        final List<MessageRequest> sent = new ArrayList<>();
        final List<Decision> log = new ArrayList<>();

        Play(JourneyRuntime runtime, String userId, Instant now) {
            this.runtime = runtime;
            this.userId = userId;
            this.now = now;
            states.put(userId, UserState.empty(userId));
        }

        UserState state() {
            return states.get(userId);
        }

        void event(UserEvent event) {
            String source = event.mergeSource();
            if (source != null && !joined.containsKey(source)) {
                Merge merge = runtime.merge(state(), states.getOrDefault(source, UserState.empty(source)), now);
                log.replaceAll(merge::relabel);
                apply(merge.outcome());
                states.remove(source);
                joined.put(source, userId);
            }
            String id = event.anonymous() ? joined.getOrDefault(event.userId(), event.userId()) : event.userId();
            apply(runtime.onEvent(states.getOrDefault(id, UserState.empty(id)), event, now));
        }

        void apply(Outcome outcome) {
            states.put(outcome.state().profile().userId(), outcome.state());
            sent.addAll(outcome.messages());
            log.addAll(outcome.decisions());
        }

        /** Moves the clock, firing every timer due on the way at its due time. */
        void advanceTo(Instant target) {
            for (int i = 0; i < MAX_STEPS; i++) {
                UserState next = null;
                Instant due = null;
                for (UserState state : states.values()) {
                    Optional<Instant> at = JourneyRuntime.nextDue(state);
                    if (at.isPresent() && (due == null || at.get().isBefore(due))) {
                        due = at.get();
                        next = state;
                    }
                }
                if (next == null || due.isAfter(target)) {
                    break;
                }
                now = due.isBefore(now) ? now : due;
                apply(runtime.onDue(next, now));
            }
            now = target.isAfter(now) ? target : now;
        }
    }

    private static List<Check> check(Scenario scenario, Play play) {
        List<Check> checks = new ArrayList<>();
        Set<MessageRequest> used = new HashSet<>();
        // Timed sends first: they are the most particular, then any-time sends take what is left.
        List<Expectation> ordered = new ArrayList<>(scenario.expectations());
        ordered.sort(Comparator.comparing(e -> e instanceof Expectation.Send send && send.at() != null ? 0 : 1));
        java.util.Map<Expectation, Check> byExpectation = new java.util.HashMap<>();
        for (Expectation expectation : ordered) {
            byExpectation.put(expectation, check(expectation, play, used));
        }
        for (Expectation expectation : scenario.expectations()) {
            checks.add(byExpectation.get(expectation));
        }
        return checks;
    }

    private static Check check(Expectation expectation, Play play, Set<MessageRequest> used) {
        return switch (expectation) {
            case Expectation.Send send -> {
                Optional<MessageRequest> hit = play.sent.stream()
                        .filter(m -> !used.contains(m) && matches(send.filter(), m) && inWindow(send, m))
                        .findFirst();
                if (hit.isPresent()) {
                    used.add(hit.get());
                    yield new Check(expectation, true, hit.get(), null);
                }
                Optional<MessageRequest> elsewhere = play.sent.stream()
                        .filter(m -> !used.contains(m) && matches(send.filter(), m))
                        .findFirst();
                if (elsewhere.isPresent()) {
                    used.add(elsewhere.get());
                    yield new Check(expectation, false, elsewhere.get(), "sent at another time");
                }
                yield new Check(expectation, false, null, "not sent" + why(play, send.filter()));
            }
            case Expectation.Never never -> {
                Optional<MessageRequest> hit = play.sent.stream()
                        .filter(m -> matches(never.filter(), m))
                        .findFirst();
                yield hit.map(m -> new Check(expectation, false, m, "sent"))
                        .orElseGet(() -> new Check(expectation, true, null, null));
            }
            case Expectation.Status status -> {
                String actual = latest(play.state(), status.journey())
                        .map(e -> e.status().wireName())
                        .orElse("not_enrolled");
                yield new Check(expectation, actual.equals(status.status()), null, actual);
            }
            case Expectation.Converted converted -> {
                boolean actual = latest(play.state(), converted.journey())
                        .map(e -> e.convertedAt() != null)
                        .orElse(false);
                yield new Check(
                        expectation, actual == converted.converted(), null, actual ? "converted" : "not converted");
            }
        };
    }

    /** The last log entry about the step (or journey), to say why a message did not come. */
    private static String why(Play play, MessageFilter filter) {
        for (Decision d : play.log.reversed()) {
            if ((filter.journey() == null || filter.journey().equals(d.journey()))
                    && (filter.step() == null || filter.step().equals(d.step()))) {
                return " — the log says: " + d.kind().wireName() + ", " + d.detail();
            }
        }
        return " — the log says nothing about it";
    }

    private static Optional<Enrollment> latest(UserState state, String journey) {
        return state.enrollments().stream()
                .filter(e -> e.journeyId().equals(journey))
                .max(Comparator.comparingInt(Enrollment::cycle));
    }

    static boolean matches(MessageFilter filter, MessageRequest m) {
        return (filter.journey() == null || filter.journey().equals(m.journey()))
                && (filter.step() == null || filter.step().equals(m.step()))
                && (filter.channel() == null || filter.channel() == m.channel())
                && (filter.kind() == null || filter.kind() == m.kind())
                && (filter.template() == null || filter.template().equals(m.template()));
    }

    private static boolean inWindow(Expectation.Send send, MessageRequest m) {
        if (send.at() == null) {
            return true;
        }
        Duration off = Duration.between(send.at(), m.createdAt()).abs();
        return off.compareTo(send.within()) <= 0;
    }

    private static List<MessageRequest> unexpected(Scenario scenario, List<MessageRequest> sent, List<Check> checks) {
        if (!scenario.onlyExpected()) {
            return List.of();
        }
        Set<MessageRequest> described = new HashSet<>();
        checks.stream()
                .filter(c -> c.expectation() instanceof Expectation.Send && c.matched() != null)
                .forEach(c -> described.add(c.matched()));
        return sent.stream()
                .filter(m -> m.journey().equals(scenario.journey()) && !described.contains(m))
                .filter(m -> checks.stream()
                        .noneMatch(c -> c.expectation() instanceof Expectation.Never && c.matched() == m))
                .toList();
    }
}
