package dev.onramp.cli;

import dev.onramp.broadcast.BroadcastFile;
import dev.onramp.broadcast.BroadcastSpec;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyDirectory;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.load.Problem.Severity;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.model.EventMatch;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.MessageSpec;
import dev.onramp.journey.model.Step;
import dev.onramp.journey.model.Teammate;
import dev.onramp.templates.MessageTemplate;
import dev.onramp.templates.TemplateData;
import dev.onramp.templates.TemplateException;
import dev.onramp.templates.TemplateProblem;
import dev.onramp.templates.TemplateSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything {@code onramp validate} checks: what the engine checks when it loads the journeys, what message-dispatch
 * checks when it loads the templates, that every template a journey uses renders for a user who has no traits, steps
 * and messages that can never happen, and the broadcast files of {@code broadcasts/} as {@code POST /v1/broadcasts}
 * would take them.
 */
public final class Validation {

    private static final Pattern READS_INPUT = Pattern.compile("\\b(user|event|now)\\b");
    private final Conditions conditions = new Conditions();

    /** Every problem, errors and warnings, sorted by file and position. */
    public List<Problem> run(Path journeys, Path templates) {
        List<Problem> problems = new ArrayList<>();
        JourneyDirectory.Loaded loaded = JourneyDirectory.load(journeys, templates, conditions);
        problems.addAll(loaded.problems());
        TemplateSet.Loaded rendered = TemplateSet.load(templates, TemplateSet.engine(), "en");
        for (TemplateProblem p : rendered.problems()) {
            if (!(p.line() == 0
                    && p.message().equals("is not a directory")
                    && loaded.journeys().all().isEmpty())) {
                problems.add(new Problem(p.file(), p.line(), p.column(), Severity.ERROR, p.message()));
            }
        }
        problems.addAll(broadcasts(journeys, loaded));
        if (!loaded.hasErrors()) {
            for (Journey journey : loaded.journeys().all()) {
                lint(journey, problems);
                if (rendered.ok()) {
                    renders(journey, rendered.templates(), problems);
                }
            }
        }
        problems.sort(Problem.ORDER);
        return List.copyOf(new LinkedHashSet<>(problems));
    }

    /**
     * The files of {@code broadcasts/}, by the rules of {@code POST /v1/broadcasts}, against the templates and the team
     * of this folder. Checking one never sends it.
     */
    private List<Problem> broadcasts(Path journeys, JourneyDirectory.Loaded loaded) {
        List<Problem> problems = new ArrayList<>();
        BroadcastSpec.Context context = context(loaded, conditions);
        for (Path file : BroadcastFile.files(journeys)) {
            problems.addAll(BroadcastFile.read(file, file.toString(), context).problems());
        }
        return problems;
    }

    /** What a broadcast file is checked against: the folder's templates and team, the engine's default limits. */
    static BroadcastSpec.Context context(JourneyDirectory.Loaded loaded, Conditions conditions) {
        return new BroadcastSpec.Context(conditions, loaded.templates(), loaded.team(), MAX_LISTED_USERS);
    }

    /** {@code onramp.engine.broadcasts.max-listed-users}'s default. */
    static final int MAX_LISTED_USERS = 100_000;

    /** Every template a journey may send, in every channel and locale, renders for a user with no traits. */
    private static void renders(Journey journey, TemplateSet templates, List<Problem> problems) {
        Set<String> checked = new HashSet<>();
        for (Step step : journey.steps()) {
            for (MessageSpec message : step.messages()) {
                for (Channel channel : message.channels()) {
                    dev.onramp.templates.Channel templateChannel =
                            dev.onramp.templates.Channel.of(channel.wireName()).orElseThrow();
                    for (MessageTemplate version : templates.versions(message.template())) {
                        if (version.channel() != templateChannel || !checked.add(version.file())) {
                            continue;
                        }
                        Map<String, Object> data = TemplateData.of(
                                "sample-user",
                                Map.of(),
                                Map.of(),
                                journey.id(),
                                step.id(),
                                "sample-message",
                                templateChannel,
                                Map.of("app", "https://app.example.com"),
                                step.sender().map(Teammate::templateData).orElse(Map.of()));
                        try {
                            TemplateSet.render(version, data);
                        } catch (TemplateException e) {
                            problems.add(
                                    new Problem(
                                            version.file(),
                                            0,
                                            0,
                                            Severity.WARNING,
                                            "does not render for a user without traits, so such users get nothing by "
                                                    + channel + ": "
                                                    + e.getMessage().replaceFirst("^template '[^']*' \\([^)]*\\) ", "")
                                                    + "; give the value a default, such as {user.traits.firstName ?: 'there'}"));
                        }
                    }
                }
            }
        }
    }

    /** Steps that can never be the next one, and messages that can never be sent. */
    private void lint(Journey journey, List<Problem> problems) {
        String text = read(journey.source());
        Map<Set<String>, String> doneBy = new HashMap<>();
        for (Step step : journey.steps()) {
            int[] at = locate(text, "id: " + step.id());
            if (step.doneIf() != null && constant(step.doneIf()) == Boolean.TRUE) {
                problems.add(
                        new Problem(
                                journey.source(),
                                at[0],
                                at[1],
                                Severity.WARNING,
                                "step '" + step.id()
                                        + "' is always done at enrollment (its done_if is always true), so it never sends anything"));
            }
            Set<String> events = new HashSet<>();
            for (EventMatch match : step.doneWhen()) {
                events.add(match.event()
                        + (match.where().isAlways()
                                ? ""
                                : " where " + match.where().source()));
            }
            String twin = doneBy.putIfAbsent(events, step.id());
            if (twin != null) {
                problems.add(new Problem(
                        journey.source(),
                        at[0],
                        at[1],
                        Severity.WARNING,
                        "step '" + step.id() + "' is done by the same events as step '" + twin
                                + "', so it is never the next step and never sends"));
            }
            for (MessageSpec message : step.messages()) {
                if (!message.where().isAlways() && constant(message.where()) == Boolean.FALSE) {
                    int[] where = locate(text, message.where().source());
                    problems.add(new Problem(
                            journey.source(),
                            where[0],
                            where[1],
                            Severity.WARNING,
                            "the " + message.kind() + " of step '" + step.id()
                                    + "' is never sent: its where is always false"));
                }
            }
        }
    }

    /** The value of a condition that reads neither user nor event nor now; null when it depends on them. */
    private static Boolean constant(Condition condition) {
        if (READS_INPUT.matcher(condition.source()).find()) {
            return null;
        }
        Condition.Result result = condition.program().evaluate(Map.of(), Map.of(), Instant.EPOCH);
        return result.failed() ? null : result.value();
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            return "";
        }
    }

    /** Line and column (1-based) of the first occurrence of {@code needle}; 0, 0 when absent. */
    private static int[] locate(String text, String needle) {
        int index = text.indexOf(needle);
        if (index < 0) {
            return new int[] {0, 0};
        }
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new int[] {line, index - lineStart + 1};
    }
}
