package dev.onramp.journey.scenario;

import dev.onramp.journey.load.Problem;
import dev.onramp.journey.load.Problem.Severity;
import dev.onramp.journey.load.YamlNode;
import dev.onramp.journey.load.YamlNode.Entry;
import dev.onramp.journey.load.YamlNode.Location;
import dev.onramp.journey.load.YamlNode.Mapping;
import dev.onramp.journey.load.YamlNode.Scalar;
import dev.onramp.journey.load.YamlNode.Sequence;
import dev.onramp.journey.load.YamlReader;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Durations;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.JourneySet;
import dev.onramp.journey.model.MessageKind;
import dev.onramp.journey.model.Step;
import dev.onramp.journey.scenario.Scenario.Action;
import dev.onramp.journey.scenario.Scenario.Expectation;
import dev.onramp.journey.scenario.Scenario.MessageFilter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a scenario file ({@code *.test.yaml}, see {@code docs/scenarios.md}) against the journeys it tests, reporting
 * every problem with its line and column: unknown fields, bad times, steps the journey does not have.
 */
public final class ScenarioParser {

    static final Instant DEFAULT_CLOCK = Instant.parse("2026-01-05T09:00:00Z");
    private static final Set<String> FILE_FIELDS = Set.of("journey", "scenarios");
    private static final Set<String> SCENARIO_FIELDS =
            Set.of("name", "user", "holdout", "clock", "until", "events", "expect", "only_expected");
    private static final Set<String> USER_FIELDS = Set.of("id", "anonymous_id", "traits");
    private static final Set<String> EVENT_FIELDS =
            Set.of("at", "event", "properties", "identify", "alias", "anonymous");
    private static final Set<String> EXPECT_FIELDS = Set.of("at", "within", "send", "never", "status", "converted");
    private static final Set<String> FILTER_FIELDS = Set.of("journey", "step", "channel", "kind", "template");
    private static final Set<String> STATUSES = Set.of("active", "completed", "exited", "not_enrolled");

    private final JourneySet journeys;
    private final YamlReader yaml = new YamlReader();

    public ScenarioParser(JourneySet journeys) {
        this.journeys = journeys;
    }

    /** The scenarios of one file, or the problems that keep it from running. */
    public record Parsed(List<Scenario> scenarios, List<Problem> problems) {
        public Parsed {
            scenarios = List.copyOf(scenarios);
            problems = List.copyOf(problems);
        }
    }

    public Parsed parse(String file, String text) {
        return new Run(file).parse(text);
    }

    private final class Run {
        private final String file;
        private final List<Problem> problems = new ArrayList<>();

        Run(String file) {
            this.file = file;
        }

        Parsed parse(String text) {
            YamlNode root;
            try {
                root = yaml.read(text);
            } catch (YamlReader.SyntaxError e) {
                error(e.location(), e.getMessage());
                return done(List.of());
            }
            if (!(root instanceof Mapping mapping)) {
                error(
                        root == null ? new Location(1, 1) : root.at(),
                        "a scenario file is a mapping with journey and scenarios");
                return done(List.of());
            }
            Map<String, Entry> fields = fields(mapping, FILE_FIELDS, "a scenario file");
            Journey journey = null;
            Entry journeyEntry = fields.get("journey");
            if (journeyEntry == null) {
                error(mapping.at(), "'journey' is required: the id of the journey these scenarios test");
            } else {
                String id = text(journeyEntry.value(), "journey");
                if (id != null) {
                    journey = journeys.get(id).orElse(null);
                    if (journey == null) {
                        error(
                                journeyEntry.value().at(),
                                "there is no journey '" + id + "' in this directory"
                                        + suggestion(
                                                id,
                                                journeys.all().stream()
                                                        .map(Journey::id)
                                                        .toList()));
                    }
                }
            }
            List<Scenario> scenarios = new ArrayList<>();
            Entry list = fields.get("scenarios");
            if (list == null
                    || !(list.value() instanceof Sequence sequence)
                    || sequence.items().isEmpty()) {
                error(
                        list == null ? mapping.at() : list.value().at(),
                        "'scenarios' is a list with at least one scenario");
            } else if (journey != null) {
                for (YamlNode item : sequence.items()) {
                    Scenario scenario = scenario(item, journey);
                    if (scenario != null) {
                        scenarios.add(scenario);
                    }
                }
            }
            return done(problems.stream().anyMatch(Problem::isError) ? List.of() : scenarios);
        }

        private Parsed done(List<Scenario> scenarios) {
            problems.sort(Problem.ORDER);
            return new Parsed(scenarios, problems);
        }

        private Scenario scenario(YamlNode node, Journey journey) {
            if (!(node instanceof Mapping mapping)) {
                error(node.at(), "a scenario is a mapping with name, user, events and expect");
                return null;
            }
            int before = errorCount();
            Map<String, Entry> fields = fields(mapping, SCENARIO_FIELDS, "a scenario");
            String name = fields.containsKey("name") ? text(fields.get("name").value(), "name") : null;
            if (name == null && !fields.containsKey("name")) {
                error(mapping.at(), "'name' is required: say what the scenario shows");
            }
            String userId = "scenario-user";
            String anonymousId = null;
            Map<String, Object> traits = Map.of();
            if (fields.containsKey("user")) {
                if (fields.get("user").value() instanceof Mapping user) {
                    Map<String, Entry> userFields = fields(user, USER_FIELDS, "user");
                    if (userFields.containsKey("id")) {
                        userId = Optional.ofNullable(text(userFields.get("id").value(), "id"))
                                .orElse(userId);
                    }
                    if (userFields.containsKey("anonymous_id")) {
                        anonymousId = text(userFields.get("anonymous_id").value(), "anonymous_id");
                    }
                    if (userFields.containsKey("traits")) {
                        traits = map(userFields.get("traits").value(), "traits");
                    }
                } else {
                    error(fields.get("user").value().at(), "'user' is { id: ..., anonymous_id: ..., traits: { ... } }");
                }
            }
            boolean holdout =
                    fields.containsKey("holdout") && bool(fields.get("holdout").value(), "holdout");
            boolean onlyExpected = !fields.containsKey("only_expected")
                    || bool(fields.get("only_expected").value(), "only_expected");
            ZonedDateTime clock = DEFAULT_CLOCK.atZone(ZoneOffset.UTC);
            if (fields.containsKey("clock")) {
                ZonedDateTime parsed = dateTime(fields.get("clock").value());
                if (parsed != null) {
                    clock = parsed;
                }
            }
            Instant start = clock.toInstant();
            List<Action> actions = new ArrayList<>();
            if (fields.containsKey("events")) {
                for (YamlNode item : list(fields.get("events").value(), "events")) {
                    Action action = action(item, start, anonymousId);
                    if (action != null) {
                        actions.add(action);
                    }
                }
            }
            List<Expectation> expectations = new ArrayList<>();
            if (fields.containsKey("expect")) {
                for (YamlNode item : list(fields.get("expect").value(), "expect")) {
                    Expectation expectation = expectation(item, start, journey);
                    if (expectation != null) {
                        expectations.add(expectation);
                    }
                }
            } else {
                error(mapping.at(), "'expect' is required: what the user should (or should not) get");
            }
            Instant until = null;
            if (fields.containsKey("until")) {
                until = time(fields.get("until").value(), start, "until");
            }
            if (until == null) {
                until = defaultEnd(start, actions, expectations);
            }
            actions.sort(java.util.Comparator.comparing(Action::at));
            if (errorCount() > before || name == null) {
                return null;
            }
            return new Scenario(
                    file,
                    mapping.at().line(),
                    name,
                    journey.id(),
                    userId,
                    anonymousId,
                    traits,
                    holdout,
                    start,
                    clock.getZone(),
                    until,
                    actions,
                    expectations,
                    onlyExpected);
        }

        /** A minute after the latest time the scenario names, in an event or an expectation. */
        private Instant defaultEnd(Instant start, List<Action> actions, List<Expectation> expectations) {
            Instant latest = start;
            for (Action a : actions) {
                latest = a.at().isAfter(latest) ? a.at() : latest;
            }
            for (Expectation e : expectations) {
                if (e instanceof Expectation.Send send && send.at() != null) {
                    Instant end = send.at().plus(send.within());
                    latest = end.isAfter(latest) ? end : latest;
                }
            }
            return latest.plus(Duration.ofMinutes(1));
        }

        private Action action(YamlNode node, Instant start, String userAnonymousId) {
            if (!(node instanceof Mapping mapping)) {
                error(
                        node.at(),
                        "an event is { at: 5m, event: Channel Created }, { at: 5m, identify: { ... } } or"
                                + " { at: 5m, alias: visitor-1 }");
                return null;
            }
            Map<String, Entry> fields = fields(mapping, EVENT_FIELDS, "an event");
            if (!fields.containsKey("at")) {
                error(mapping.at(), "'at' is required: when, such as 5m or 2026-03-02T09:00:00+01:00");
                return null;
            }
            Instant at = time(fields.get("at").value(), start, "at");
            long calls = java.util.stream.Stream.of("event", "identify", "alias")
                    .filter(fields::containsKey)
                    .count();
            if (calls != 1) {
                error(
                        mapping.at(),
                        "an event has one of 'event' (a track call), 'identify' (traits) or 'alias' (the id it joins"
                                + " to the user)");
                return null;
            }
            String anonymousId = null;
            if (fields.containsKey("anonymous")) {
                YamlNode value = fields.get("anonymous").value();
                if (fields.containsKey("alias")) {
                    error(value.at(), "an alias call names the user; 'anonymous' is for track and identify calls");
                } else if (value instanceof YamlNode.Scalar scalar
                        && !scalar.quoted()
                        && "true".equals(scalar.text())) {
                    anonymousId = userAnonymousId;
                    if (anonymousId == null) {
                        error(
                                value.at(),
                                "'anonymous: true' needs the user's anonymous_id (user: { anonymous_id: ... })");
                    }
                } else if (!(value instanceof YamlNode.Scalar scalar
                        && !scalar.quoted()
                        && "false".equals(scalar.text()))) {
                    anonymousId = text(value, "anonymous");
                }
            }
            if (at == null) {
                return null;
            }
            int line = mapping.at().line();
            if (fields.containsKey("alias")) {
                String previousId = text(fields.get("alias").value(), "alias");
                return previousId == null
                        ? null
                        : new Action(line, at, "alias", "$alias", Map.of(), Map.of(), null, previousId);
            }
            if (fields.containsKey("identify")) {
                return new Action(
                        line,
                        at,
                        "identify",
                        "$identify",
                        Map.of(),
                        map(fields.get("identify").value(), "identify"),
                        anonymousId,
                        null);
            }
            String event = text(fields.get("event").value(), "event");
            Map<String, Object> properties = fields.containsKey("properties")
                    ? map(fields.get("properties").value(), "properties")
                    : Map.of();
            return event == null ? null : new Action(line, at, "track", event, properties, Map.of(), anonymousId, null);
        }

        private Expectation expectation(YamlNode node, Instant start, Journey journey) {
            if (!(node instanceof Mapping mapping)) {
                error(
                        node.at(),
                        "an expectation is { at: ..., send: { step: ... } }, { never: { ... } }, { status: ... } or { converted: ... }");
                return null;
            }
            Map<String, Entry> fields = fields(mapping, EXPECT_FIELDS, "an expectation");
            List<String> kinds = new ArrayList<>();
            for (String kind : List.of("send", "never", "status", "converted")) {
                if (fields.containsKey(kind)) {
                    kinds.add(kind);
                }
            }
            if (kinds.size() != 1) {
                error(mapping.at(), "an expectation has exactly one of send, never, status and converted");
                return null;
            }
            int line = mapping.at().line();
            switch (kinds.getFirst()) {
                case "send" -> {
                    Instant at =
                            fields.containsKey("at") ? time(fields.get("at").value(), start, "at") : null;
                    Duration within = Duration.ZERO;
                    if (fields.containsKey("within")) {
                        within = duration(fields.get("within").value(), "within");
                    }
                    MessageFilter filter = filter(fields.get("send").value(), journey);
                    return filter == null || within == null ? null : new Expectation.Send(line, at, within, filter);
                }
                case "never" -> {
                    onlyWith(fields, "never");
                    MessageFilter filter = filter(fields.get("never").value(), journey);
                    return filter == null ? null : new Expectation.Never(line, filter);
                }
                case "status" -> {
                    onlyWith(fields, "status");
                    String status = text(fields.get("status").value(), "status");
                    if (status != null && !STATUSES.contains(status)) {
                        error(
                                fields.get("status").value().at(),
                                "status is active, completed, exited or not_enrolled, not '" + status + "'");
                        return null;
                    }
                    return status == null ? null : new Expectation.Status(line, journey.id(), status);
                }
                default -> {
                    onlyWith(fields, "converted");
                    return new Expectation.Converted(
                            line, journey.id(), bool(fields.get("converted").value(), "converted"));
                }
            }
        }

        private void onlyWith(Map<String, Entry> fields, String kind) {
            for (String timing : List.of("at", "within")) {
                if (fields.containsKey(timing)) {
                    error(fields.get(timing).keyAt(), "'" + timing + "' goes with send, not with " + kind);
                }
            }
        }

        private MessageFilter filter(YamlNode node, Journey journey) {
            if (!(node instanceof Mapping mapping)) {
                error(
                        node.at(),
                        "describe the message: { step: ..., channel: ..., kind: nudge or reminder, template: ... }");
                return null;
            }
            Map<String, Entry> fields = fields(mapping, FILTER_FIELDS, "a message");
            String journeyId = journey.id();
            Journey target = journey;
            if (fields.containsKey("journey")) {
                journeyId = text(fields.get("journey").value(), "journey");
                target = journeyId == null ? null : journeys.get(journeyId).orElse(null);
                if (journeyId != null && target == null) {
                    error(fields.get("journey").value().at(), "there is no journey '" + journeyId + "'");
                    return null;
                }
            }
            String step = null;
            if (fields.containsKey("step")) {
                step = text(fields.get("step").value(), "step");
                if (step != null && target != null && target.step(step).isEmpty()) {
                    error(
                            fields.get("step").value().at(),
                            "journey '" + target.id() + "' has no step '" + step + "'"
                                    + suggestion(
                                            step,
                                            target.steps().stream()
                                                    .map(Step::id)
                                                    .toList()));
                    return null;
                }
            }
            Channel channel = null;
            if (fields.containsKey("channel")) {
                String text = text(fields.get("channel").value(), "channel");
                channel = text == null ? null : Channel.of(text).orElse(null);
                if (text != null && channel == null) {
                    error(
                            fields.get("channel").value().at(),
                            "'" + text + "' is not a channel: in_app, email, sms or webhook");
                    return null;
                }
            }
            MessageKind kind = null;
            if (fields.containsKey("kind")) {
                String text = text(fields.get("kind").value(), "kind");
                kind = "nudge".equals(text) ? MessageKind.NUDGE : "reminder".equals(text) ? MessageKind.REMINDER : null;
                if (text != null && kind == null) {
                    error(fields.get("kind").value().at(), "kind is nudge or reminder, not '" + text + "'");
                    return null;
                }
            }
            String template =
                    fields.containsKey("template") ? text(fields.get("template").value(), "template") : null;
            return new MessageFilter(journeyId, step, channel, kind, template);
        }

        // ---- scalars

        private Instant time(YamlNode node, Instant start, String field) {
            String text = text(node, field);
            if (text == null) {
                return null;
            }
            Optional<Duration> relative = Durations.parse(text);
            if (relative.isPresent()) {
                return start.plus(relative.get());
            }
            ZonedDateTime absolute = parseDateTime(text);
            if (absolute != null) {
                return absolute.toInstant();
            }
            error(
                    node.at(),
                    "'" + text
                            + "' is neither a time after the clock (such as 1h30m) nor a date-time with its offset (such as"
                            + " 2026-03-02T09:00:00+01:00)");
            return null;
        }

        private ZonedDateTime dateTime(YamlNode node) {
            String text = text(node, "clock");
            if (text == null) {
                return null;
            }
            ZonedDateTime parsed = parseDateTime(text);
            if (parsed == null) {
                error(
                        node.at(),
                        "'" + text
                                + "' is not a date-time with its offset or zone, such as 2026-03-02T09:00:00+01:00 or"
                                + " 2026-03-02T09:00:00[Europe/Paris]");
            }
            return parsed;
        }

        private Duration duration(YamlNode node, String field) {
            String text = text(node, field);
            if (text == null) {
                return null;
            }
            Optional<Duration> duration = Durations.parse(text);
            if (duration.isEmpty()) {
                error(node.at(), "'" + text + "' is not a duration: write it like 30s, 10m, 2h or 1d");
                return null;
            }
            return duration.get();
        }

        private String text(YamlNode node, String field) {
            if (!(node instanceof Scalar scalar)
                    || scalar.isNull()
                    || scalar.text().isBlank()) {
                error(node.at(), "'" + field + "' needs a value");
                return null;
            }
            return scalar.text();
        }

        private boolean bool(YamlNode node, String field) {
            String text = text(node, field);
            if ("true".equals(text)) {
                return true;
            }
            if (text != null && !"false".equals(text)) {
                error(node.at(), "'" + field + "' is true or false");
            }
            return false;
        }

        private List<YamlNode> list(YamlNode node, String field) {
            if (node instanceof Sequence sequence) {
                return sequence.items();
            }
            error(node.at(), "'" + field + "' is a list");
            return List.of();
        }

        private Map<String, Object> map(YamlNode node, String field) {
            if (!(node instanceof Mapping mapping)) {
                error(node.at(), "'" + field + "' is a mapping of names to values");
                return Map.of();
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Entry entry : mapping.entries()) {
                out.put(entry.key(), value(entry.value()));
            }
            return out;
        }

        private Object value(YamlNode node) {
            return YamlNode.toJava(node);
        }

        private Map<String, Entry> fields(Mapping mapping, Set<String> allowed, String what) {
            Map<String, Entry> fields = new HashMap<>();
            for (Entry entry : mapping.entries()) {
                if (!allowed.contains(entry.key())) {
                    error(
                            entry.keyAt(),
                            "unknown field '" + entry.key() + "' in " + what
                                    + suggestion(entry.key(), allowed)
                                            .replace(" (did you mean", "; did you mean")
                                            .replace("?)", "?"));
                    continue;
                }
                if (fields.putIfAbsent(entry.key(), entry) != null) {
                    error(entry.keyAt(), "'" + entry.key() + "' is given twice in " + what);
                }
            }
            return fields;
        }

        private int errorCount() {
            return (int) problems.stream().filter(Problem::isError).count();
        }

        private void error(Location at, String message) {
            problems.add(new Problem(file, at.line(), at.column(), Severity.ERROR, message));
        }
    }

    static ZonedDateTime parseDateTime(String text) {
        try {
            return OffsetDateTime.parse(text).toZonedDateTime();
        } catch (DateTimeParseException notOffset) {
            try {
                return ZonedDateTime.parse(text);
            } catch (DateTimeParseException notZoned) {
                return null;
            }
        }
    }

    private static String suggestion(String word, java.util.Collection<String> candidates) {
        String close = dev.onramp.journey.load.Suggestions.closest(word, candidates);
        return close == null ? "" : " (did you mean '" + close + "'?)";
    }
}
