package dev.onramp.journey.load;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.Problem.Severity;
import dev.onramp.journey.load.YamlNode.Entry;
import dev.onramp.journey.load.YamlNode.Location;
import dev.onramp.journey.load.YamlNode.Mapping;
import dev.onramp.journey.load.YamlNode.Sequence;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.model.Durations;
import dev.onramp.journey.model.EventMatch;
import dev.onramp.journey.model.Goal;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.MessageKind;
import dev.onramp.journey.model.MessageSpec;
import dev.onramp.journey.model.QuietHours;
import dev.onramp.journey.model.Reentry;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Step;
import dev.onramp.journey.model.Teammate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one journey file into a {@link Journey}, reporting every problem it finds with its line and column rather
 * than stopping at the first. The journey is only built when there is no error.
 */
public final class JourneyParser {

    static final Pattern ID = Reading.ID;
    private static final Set<String> JOURNEY_FIELDS = fields(
            "journey",
            "name",
            "description",
            "trigger",
            "steps",
            "exit",
            "goal",
            "holdout",
            "quiet_hours",
            "reentry",
            "timezone",
            "sender");
    private static final Set<String> MATCH_FIELDS = fields("event", "where");
    private static final Set<String> GOAL_FIELDS = fields("event", "where", "within");
    private static final Set<String> STEP_FIELDS =
            fields("id", "name", "done_when", "done_if", "nudge", "remind", "sender", "replies");
    private static final Set<String> MESSAGE_FIELDS = fields("after", "channel", "fallback", "template", "where");
    private static final Set<String> QUIET_FIELDS = fields("from", "to");

    private final Conditions conditions;
    private final TemplateCatalog templates;
    private final Roster team;
    private final YamlReader yaml = new YamlReader();

    /** @param templates checked for every message's template; {@code null} skips those checks */
    public JourneyParser(Conditions conditions, TemplateCatalog templates) {
        this(conditions, templates, Roster.empty());
    }

    /**
     * @param templates checked for every message's template; {@code null} skips those checks
     * @param team who a {@code sender} may name ({@code team.yaml}); null to not check senders (a broken team file)
     */
    public JourneyParser(Conditions conditions, TemplateCatalog templates, Roster team) {
        this.conditions = conditions;
        this.templates = templates;
        this.team = team;
    }

    /** The outcome of parsing one file. */
    public record Parsed(Optional<Journey> journey, List<Problem> problems, Location idLocation) {}

    public Parsed parse(String file, String text) {
        return new Run(file, text).parse();
    }

    private final class Run extends Reading {
        private final String text;
        private Location idLocation = new Location(1, 1);

        Run(String file, String text) {
            super(file);
            this.text = text;
        }

        Parsed parse() {
            YamlNode root;
            try {
                root = yaml.read(text);
            } catch (YamlReader.SyntaxError e) {
                error(e.location(), e.getMessage());
                return done(null);
            }
            if (root == null) {
                problems.add(new Problem(
                        file, 1, 1, Severity.ERROR, "the file is empty; a journey starts with 'journey: <id>'"));
                return done(null);
            }
            if (!(root instanceof Mapping mapping)) {
                error(
                        root.at(),
                        "a journey file is a mapping of fields (journey, trigger, steps...), not "
                                + YamlNode.describe(root));
                return done(null);
            }
            Map<String, Entry> fields = fields(mapping, JOURNEY_FIELDS, "a journey");

            String id = id(
                    fields.get("journey"), mapping.at(), "journey", "the journey's id, such as workspace-onboarding");
            if (fields.containsKey("journey")) {
                idLocation = fields.get("journey").value().at();
            }
            String name = optionalText(fields.get("name"));
            optionalText(fields.get("description"));
            Optional<Teammate> sender =
                    Optional.ofNullable(fields.get("sender")).map(e -> teammate(e.value(), team, "sender"));
            EventMatch trigger = required(
                            fields, "trigger", mapping.at(), "what enrolls a user, such as { event: Signed Up }")
                    .map(e -> match(e.value(), "trigger", MATCH_FIELDS))
                    .orElse(null);
            List<Step> steps = steps(fields.get("steps"), mapping.at(), sender);
            List<EventMatch> exits =
                    fields.containsKey("exit") ? matches(fields.get("exit").value(), "exit") : List.of();
            Optional<Goal> goal = Optional.ofNullable(fields.get("goal")).map(e -> goal(e.value()));
            double holdout = Optional.ofNullable(fields.get("holdout"))
                    .map(e -> holdout(e.value()))
                    .orElse(0.0);
            Optional<QuietHours> quiet =
                    Optional.ofNullable(fields.get("quiet_hours")).map(e -> quietHours(e.value()));
            Reentry reentry = Optional.ofNullable(fields.get("reentry"))
                    .map(e -> reentry(e.value()))
                    .orElse(Reentry.NEVER);
            Optional<ZoneId> zone = Optional.ofNullable(fields.get("timezone")).map(e -> zone(e.value()));

            if (problems.stream().anyMatch(Problem::isError)) {
                return done(null);
            }
            try {
                return done(new Journey(
                        id,
                        name == null ? id : name,
                        trigger,
                        steps,
                        exits,
                        goal,
                        holdout,
                        quiet,
                        reentry,
                        zone,
                        sender,
                        file,
                        sha256(text)));
            } catch (IllegalArgumentException e) {
                error(mapping.at(), e.getMessage());
                return done(null);
            }
        }

        private Parsed done(Journey journey) {
            return new Parsed(Optional.ofNullable(journey), problems(), idLocation);
        }

        // ---- steps and messages

        private List<Step> steps(Entry entry, Location parent, Optional<Teammate> journeySender) {
            if (entry == null) {
                error(parent, "'steps' is required: the list of things a user should do, in order");
                return List.of();
            }
            if (!(entry.value() instanceof Sequence sequence)
                    || sequence.items().isEmpty()) {
                error(
                        entry.value().at(),
                        "'steps' must be a list with at least one step, not " + YamlNode.describe(entry.value()));
                return List.of();
            }
            List<Step> steps = new ArrayList<>();
            Map<String, Location> seen = new HashMap<>();
            for (YamlNode item : sequence.items()) {
                Step step = step(item, journeySender);
                if (step == null) {
                    continue;
                }
                Location previous = seen.putIfAbsent(step.id(), item.at());
                if (previous != null) {
                    error(
                            item.at(),
                            "step id '" + step.id() + "' is already used by the step at line " + previous.line()
                                    + "; step ids must be unique");
                    continue;
                }
                steps.add(step);
            }
            return steps;
        }

        private Step step(YamlNode node, Optional<Teammate> journeySender) {
            Mapping mapping = mapping(node, "a step is a mapping with id, done_when and usually a nudge");
            if (mapping == null) {
                return null;
            }
            Map<String, Entry> fields = fields(mapping, STEP_FIELDS, "a step");
            String id = id(fields.get("id"), mapping.at(), "id", "the step's id, such as create-channel");
            String name = optionalText(fields.get("name"));
            Optional<Teammate> sender = fields.containsKey("sender")
                    ? Optional.ofNullable(teammate(fields.get("sender").value(), team, "sender"))
                    : journeySender;
            List<EventMatch> doneWhen = required(
                            fields, "done_when", mapping.at(), "the event that marks the step done")
                    .map(e -> matches(e.value(), "done_when"))
                    .orElse(List.of());
            Condition doneIf = Optional.ofNullable(fields.get("done_if"))
                    .map(e -> condition(e.value()))
                    .orElse(null);
            MessageSpec nudge = Optional.ofNullable(fields.get("nudge"))
                    .map(e -> message(e.value(), MessageKind.NUDGE))
                    .orElse(null);
            List<MessageSpec> reminders = new ArrayList<>();
            Entry remind = fields.get("remind");
            if (remind != null) {
                if (remind.value() instanceof Sequence list) {
                    for (YamlNode item : list.items()) {
                        MessageSpec reminder = message(item, MessageKind.REMINDER);
                        if (reminder != null) {
                            reminders.add(reminder);
                        }
                    }
                } else if (remind.value() instanceof Mapping) {
                    MessageSpec reminder = message(remind.value(), MessageKind.REMINDER);
                    if (reminder != null) {
                        reminders.add(reminder);
                    }
                } else {
                    error(
                            remind.value().at(),
                            "'remind' is a list of messages, not " + YamlNode.describe(remind.value()));
                }
            }
            if (id == null || doneWhen.isEmpty()) {
                return null;
            }
            boolean replies = flag(fields.get("replies"), false);
            return new Step(
                    id, name == null ? id : name, doneWhen, doneIf, Step.messages(nudge, reminders), sender, replies);
        }

        private MessageSpec message(YamlNode node, MessageKind kind) {
            String what = kind == MessageKind.NUDGE ? "a nudge" : "a reminder";
            if (!(node instanceof Mapping mapping)) {
                error(
                        node.at(),
                        what + " is a mapping with after, channel and template, not " + YamlNode.describe(node));
                return null;
            }
            Map<String, Entry> fields = fields(mapping, MESSAGE_FIELDS, what);
            Duration after = required(fields, "after", mapping.at(), "how long to wait, such as 10m, 2h or 3d")
                    .map(e -> duration(e.value(), "after"))
                    .orElse(null);
            Channel channel = required(fields, "channel", mapping.at(), "in_app, email, sms or webhook")
                    .map(e -> channel(e.value()))
                    .orElse(null);
            List<Channel> fallback = new ArrayList<>();
            Entry fallbackEntry = fields.get("fallback");
            if (fallbackEntry != null) {
                List<YamlNode> items =
                        fallbackEntry.value() instanceof Sequence s ? s.items() : List.of(fallbackEntry.value());
                for (YamlNode item : items) {
                    Channel c = channel(item);
                    if (c == null) {
                        continue;
                    }
                    if (c == channel || fallback.contains(c)) {
                        error(item.at(), "'" + c + "' is already tried before; a fallback lists each channel once");
                    } else {
                        fallback.add(c);
                    }
                }
            }
            String template = required(fields, "template", mapping.at(), "the name of the message's template")
                    .map(e -> templateName(e.value()))
                    .orElse(null);
            Condition where = Optional.ofNullable(fields.get("where"))
                    .map(e -> condition(e.value()))
                    .orElse(Condition.ALWAYS);
            if (template != null && channel != null && templates != null) {
                Location at = fields.get("template").value().at();
                List<Channel> all = new ArrayList<>();
                all.add(channel);
                all.addAll(fallback);
                for (Channel c : all) {
                    if (!templates.has(template, c)) {
                        error(
                                at,
                                "template '" + template + "' has no " + c + " version: expected a file "
                                        + template + "." + c + ".*" + " in "
                                        + templates.directory().getFileName()
                                        + existing(template));
                    }
                }
            }
            if (after == null || channel == null || template == null || where == null) {
                return null;
            }
            return new MessageSpec(kind, after, channel, fallback, template, where);
        }

        private String existing(String template) {
            Set<Channel> have = templates.channelsOf(template);
            if (!have.isEmpty()) {
                return " (it has "
                        + String.join(", ", have.stream().map(Channel::wireName).toList()) + ")";
            }
            String close = Suggestions.closest(template, templates.names());
            return close == null ? "" : " (did you mean '" + close + "'?)";
        }

        // ---- matches, goal, conditions

        private List<EventMatch> matches(YamlNode node, String field) {
            List<YamlNode> items = node instanceof Sequence s ? s.items() : List.of(node);
            if (items.isEmpty()) {
                error(node.at(), "'" + field + "' needs at least one { event: ... }");
            }
            List<EventMatch> matches = new ArrayList<>();
            for (YamlNode item : items) {
                EventMatch match = match(item, field, MATCH_FIELDS);
                if (match != null) {
                    matches.add(match);
                }
            }
            return matches;
        }

        private EventMatch match(YamlNode node, String field, Set<String> allowed) {
            if (!(node instanceof Mapping mapping)) {
                error(
                        node.at(),
                        "'" + field + "' is { event: <name>, where: <condition> }, not " + YamlNode.describe(node));
                return null;
            }
            Map<String, Entry> fields = fields(mapping, allowed, "'" + field + "'");
            String event = required(fields, "event", mapping.at(), "the event's name, such as Channel Created")
                    .map(e -> nonEmptyText(e.value(), "event"))
                    .orElse(null);
            Condition where = Optional.ofNullable(fields.get("where"))
                    .map(e -> condition(e.value()))
                    .orElse(Condition.ALWAYS);
            return event == null || where == null ? null : new EventMatch(event, where);
        }

        private Goal goal(YamlNode node) {
            EventMatch match = match(node, "goal", GOAL_FIELDS);
            Duration within = null;
            if (node instanceof Mapping mapping) {
                Entry entry = fields(mapping, GOAL_FIELDS, null).get("within");
                if (entry != null) {
                    within = duration(entry.value(), "within");
                    if (within != null && within.isZero()) {
                        error(entry.value().at(), "'within' must be longer than 0s");
                    }
                }
            }
            return match == null ? null : new Goal(match, within);
        }

        private Condition condition(YamlNode node) {
            return condition(node, conditions);
        }

        // ---- scalars

        private String templateName(YamlNode node) {
            String name = nonEmptyText(node, "template");
            if (name != null && !ID.matcher(name).matches()) {
                error(
                        node.at(),
                        "'" + name + "' is not a valid template name: use lower-case letters, digits, '-' and '_'");
                return null;
            }
            return name;
        }

        private Duration duration(YamlNode node, String field) {
            String text = nonEmptyText(node, field);
            if (text == null) {
                return null;
            }
            Optional<Duration> duration = Durations.parse(text);
            if (duration.isEmpty()) {
                error(node.at(), "'" + text + "' is not a duration: write it like 30s, 10m, 2h, 3d, 1w or 1h30m");
                return null;
            }
            return duration.get();
        }

        private Channel channel(YamlNode node) {
            String text = nonEmptyText(node, "channel");
            if (text == null) {
                return null;
            }
            Optional<Channel> channel = Channel.of(text);
            if (channel.isEmpty()) {
                String close = Suggestions.closest(text, List.of("in_app", "email", "sms", "webhook"));
                error(
                        node.at(),
                        "'" + text + "' is not a channel: use in_app, email, sms or webhook"
                                + (close == null ? "" : " (did you mean '" + close + "'?)"));
                return null;
            }
            return channel.get();
        }

        private double holdout(YamlNode node) {
            String text = nonEmptyText(node, "holdout");
            if (text == null) {
                return 0;
            }
            String trimmed = text.strip();
            if (!trimmed.endsWith("%")) {
                error(node.at(), "holdout is a percentage such as 10%, not '" + text + "'");
                return 0;
            }
            try {
                double value = Double.parseDouble(
                        trimmed.substring(0, trimmed.length() - 1).strip());
                if (value < 0 || value >= 100 || Double.isNaN(value)) {
                    error(node.at(), "holdout must be at least 0% and under 100%");
                    return 0;
                }
                return value;
            } catch (NumberFormatException e) {
                error(node.at(), "holdout is a percentage such as 10%, not '" + text + "'");
                return 0;
            }
        }

        private QuietHours quietHours(YamlNode node) {
            if (!(node instanceof Mapping mapping)) {
                error(node.at(), "quiet_hours is { from: \"21:00\", to: \"08:00\" }, not " + YamlNode.describe(node));
                return null;
            }
            Map<String, Entry> fields = fields(mapping, QUIET_FIELDS, "quiet_hours");
            LocalTime from = required(fields, "from", mapping.at(), "when quiet hours start, such as \"21:00\"")
                    .map(e -> time(e.value()))
                    .orElse(null);
            LocalTime to = required(fields, "to", mapping.at(), "when quiet hours end, such as \"08:00\"")
                    .map(e -> time(e.value()))
                    .orElse(null);
            if (from == null || to == null) {
                return null;
            }
            if (from.equals(to)) {
                error(mapping.at(), "quiet_hours 'from' and 'to' are the same time; the window would be empty");
                return null;
            }
            return new QuietHours(from, to);
        }

        private LocalTime time(YamlNode node) {
            String text = nonEmptyText(node, "time");
            if (text == null) {
                return null;
            }
            try {
                return LocalTime.parse(text.strip().length() == 4 ? "0" + text.strip() : text.strip());
            } catch (DateTimeParseException e) {
                error(node.at(), "'" + text + "' is not a time of day: write it as \"HH:mm\", such as \"21:00\"");
                return null;
            }
        }

        private Reentry reentry(YamlNode node) {
            String text = nonEmptyText(node, "reentry");
            if (text == null) {
                return Reentry.NEVER;
            }
            for (Reentry r : Reentry.values()) {
                if (r.wireName().equals(text)) {
                    return r;
                }
            }
            error(node.at(), "reentry is never or after_exit, not '" + text + "'");
            return Reentry.NEVER;
        }

        private ZoneId zone(YamlNode node) {
            String text = nonEmptyText(node, "timezone");
            if (text == null) {
                return null;
            }
            try {
                return ZoneId.of(text.strip());
            } catch (DateTimeException e) {
                error(node.at(), "'" + text + "' is not a time zone: use an IANA name such as Europe/Paris");
                return null;
            }
        }
    }

    private static Set<String> fields(String... names) {
        return new LinkedHashSet<>(List.of(names));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
