package dev.onramp.journey.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyParser;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.JourneySet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One user on a virtual clock: events at chosen times, timers fired in order, nothing sleeps. */
final class Sim {

    static final Conditions CONDITIONS = new Conditions();

    private JourneyRuntime runtime;
    private final EngineSettings settings;
    private final Map<String, Integer> versions = new HashMap<>();
    final Instant start;
    Instant now;
    UserState state;
    final List<MessageRequest> sent = new ArrayList<>();
    final List<Decision> log = new ArrayList<>();

    Sim(String userId, Instant start, EngineSettings settings, String... journeyYaml) {
        this.settings = settings;
        this.start = start;
        this.now = start;
        this.state = UserState.empty(userId);
        load(journeyYaml);
    }

    Sim(String userId, Instant start, String... journeyYaml) {
        this(userId, start, EngineSettings.defaults(), journeyYaml);
    }

    static Journey parse(String yaml) {
        JourneyParser.Parsed parsed = new JourneyParser(CONDITIONS, null).parse("test.yaml", yaml);
        assertThat(parsed.problems()).as("problems in the test journey").isEmpty();
        return parsed.journey().orElseThrow();
    }

    /** Replaces the journeys, as a reload would: changed ones get a new version. */
    Sim load(String... journeyYaml) {
        List<Journey> journeys = new ArrayList<>();
        for (String yaml : journeyYaml) {
            Journey journey = parse(yaml);
            versions.merge(journey.id(), 1, Integer::sum);
            journeys.add(journey);
        }
        runtime = new JourneyRuntime(new JourneySet(journeys), id -> versions.getOrDefault(id, 1), settings);
        return this;
    }

    Sim identify(Duration at, Map<String, Object> traits) {
        advanceTo(start.plus(at));
        apply(runtime.onEvent(state, UserEvent.identify(state.profile().userId(), traits, now), now));
        return this;
    }

    Sim track(Duration at, String event) {
        return track(at, event, Map.of());
    }

    Sim track(Duration at, String event, Map<String, Object> properties) {
        advanceTo(start.plus(at));
        apply(runtime.onEvent(state, UserEvent.track(state.profile().userId(), event, properties, now), now));
        return this;
    }

    Sim deliveryReport(Duration at, DeliveryReport report) {
        advanceTo(start.plus(at));
        apply(runtime.onDelivery(state, report, now));
        return this;
    }

    /** Joins the other user's (an anonymous visitor's) profile to this one, as an identify or alias call does. */
    Merge join(Duration at, Sim anonymous) {
        advanceTo(start.plus(at));
        anonymous.advanceTo(now);
        Merge merge = runtime.merge(state, anonymous.state, now);
        List<Decision> before = new ArrayList<>(anonymous.log);
        before.addAll(log);
        before.sort(java.util.Comparator.comparing(Decision::at));
        log.clear();
        before.forEach(d -> log.add(merge.relabel(d)));
        sent.addAll(anonymous.sent);
        apply(merge.outcome());
        return merge;
    }

    /** Moves the clock, firing every timer that falls due on the way, at its due time. */
    Sim advanceTo(Instant target) {
        for (int i = 0; i < 10_000; i++) {
            Optional<Instant> due = JourneyRuntime.nextDue(state);
            if (due.isEmpty() || due.get().isAfter(target)) {
                break;
            }
            now = due.get().isBefore(now) ? now : due.get();
            apply(runtime.onDue(state, now));
        }
        now = target.isAfter(now) ? target : now;
        return this;
    }

    Sim advance(Duration by) {
        return advanceTo(now.plus(by));
    }

    private void apply(Outcome outcome) {
        state = outcome.state();
        sent.addAll(outcome.messages());
        log.addAll(outcome.decisions());
    }

    Enrollment enrollment(String journey) {
        return state.enrollments().stream()
                .filter(e -> e.journeyId().equals(journey))
                .reduce((a, b) -> b)
                .orElseThrow();
    }

    List<Decision> decisions(Decision.Kind kind) {
        return log.stream().filter(d -> d.kind() == kind).toList();
    }

    /** Sent messages as "step/kind/channel@offset", offsets from the start: easy to read in a failed assertion. */
    List<String> timeline() {
        return sent.stream()
                .map(m -> m.step() + "/" + m.kind() + "/" + m.channel() + "@"
                        + dev.onramp.journey.model.Durations.format(Duration.between(start, m.createdAt())))
                .toList();
    }
}
