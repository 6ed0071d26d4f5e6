package dev.onramp.journey.load;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.Problem.Severity;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.JourneySet;
import dev.onramp.journey.model.MessageSpec;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Step;
import dev.onramp.journey.route.Routes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads a journeys directory: every {@code *.yaml} file (scenario files, {@code *.test.yaml}, aside), the
 * {@code templates} folder beside them, {@code team.yaml}, the teammates a {@code sender} names, and
 * {@code routes.yaml}, where what users write goes. All or nothing: the journeys are usable only when there is no error, so a
 * broken change never half-applies.
 */
public final class JourneyDirectory {

    static final long MAX_FILE_BYTES = 1_000_000;

    private JourneyDirectory() {}

    /** What a directory holds: the journeys, meaningful only without errors, and every problem found. */
    /** @param routes where what users write goes ({@code routes.yaml}); none when there is no such file */
    public record Loaded(
            JourneySet journeys, List<Problem> problems, TemplateCatalog templates, Roster team, Routes routes) {
        public Loaded {
            problems = List.copyOf(problems);
        }

        public boolean hasErrors() {
            return problems.stream().anyMatch(Problem::isError);
        }

        public List<Problem> errors() {
            return problems.stream().filter(Problem::isError).toList();
        }
    }

    public static Loaded load(Path directory, Conditions conditions) {
        return load(directory, directory.resolve("templates"), conditions);
    }

    public static Loaded load(Path directory, Path templatesDirectory, Conditions conditions) {
        List<Problem> problems = new ArrayList<>();
        TemplateCatalog templates = TemplateCatalog.scan(templatesDirectory);
        if (!Files.isDirectory(directory)) {
            problems.add(new Problem(directory.toString(), 0, 0, Severity.ERROR, "is not a directory"));
            return new Loaded(JourneySet.empty(), problems, templates, Roster.empty(), Routes.NONE);
        }
        Roster team = Roster.empty();
        boolean teamBroken = false;
        Path teamFile = directory.resolve(TeamParser.FILE);
        if (Files.isRegularFile(teamFile)) {
            String name = teamFile.toString();
            String text = text(teamFile, name, problems);
            if (text == null) {
                teamBroken = true;
            } else {
                TeamParser.Parsed parsed = new TeamParser().parse(name, text);
                problems.addAll(parsed.problems());
                team = parsed.roster();
                teamBroken = parsed.hasErrors();
            }
        }
        Routes routes = Routes.NONE;
        Path routesFile = directory.resolve(RoutesParser.FILE);
        if (Files.isRegularFile(routesFile)) {
            String name = routesFile.toString();
            String text = text(routesFile, name, problems);
            if (text != null) {
                RoutesParser.Parsed parsed =
                        new RoutesParser(Conditions.forConversations()).parse(name, text, teamBroken ? null : team);
                problems.addAll(parsed.problems());
                routes = parsed.routes() == null ? Routes.NONE : parsed.routes();
            }
        }
        // With a broken team file, senders are not checked against it (its problems say what to fix).
        JourneyParser parser = new JourneyParser(conditions, templates, teamBroken ? null : team);
        List<Journey> journeys = new ArrayList<>();
        Map<String, String> fileById = new HashMap<>();
        for (Path file : journeyFiles(directory)) {
            String name = directory.resolve(directory.relativize(file)).toString();
            String text = text(file, name, problems);
            if (text == null) {
                continue;
            }
            JourneyParser.Parsed parsed = parser.parse(name, text);
            problems.addAll(parsed.problems());
            parsed.journey().ifPresent(journey -> {
                String other = fileById.putIfAbsent(journey.id(), name);
                if (other != null) {
                    problems.add(new Problem(
                            name,
                            parsed.idLocation().line(),
                            parsed.idLocation().column(),
                            Severity.ERROR,
                            "journey id '" + journey.id() + "' is already used by " + other));
                    return;
                }
                String base = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
                if (!base.equals(journey.id())) {
                    problems.add(new Problem(
                            name,
                            parsed.idLocation().line(),
                            parsed.idLocation().column(),
                            Severity.WARNING,
                            "the journey '" + journey.id() + "' is in a file named " + file.getFileName()
                                    + "; naming the file after the journey makes it easy to find"));
                }
                journeys.add(journey);
            });
        }
        boolean errors = problems.stream().anyMatch(Problem::isError);
        if (!errors) {
            problems.addAll(unusedTemplates(journeys, templates, directory));
        }
        problems.sort(Problem.ORDER);
        return new Loaded(
                errors ? JourneySet.empty() : new JourneySet(journeys),
                problems,
                templates,
                errors ? Roster.empty() : team,
                errors ? Routes.NONE : routes);
    }

    /** A file's text, or null when it is too large, not UTF-8 or unreadable (reported). */
    private static String text(Path file, String name, List<Problem> problems) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                problems.add(new Problem(name, 0, 0, Severity.ERROR, "is larger than 1 MB; a journey file is small"));
                return null;
            }
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            problems.add(new Problem(name, 0, 0, Severity.ERROR, "is not UTF-8 text"));
            return null;
        } catch (IOException e) {
            problems.add(new Problem(name, 0, 0, Severity.ERROR, "cannot be read: " + e.getMessage()));
            return null;
        }
    }

    private static List<Problem> unusedTemplates(List<Journey> journeys, TemplateCatalog templates, Path directory) {
        Set<String> used = new HashSet<>();
        for (Journey journey : journeys) {
            for (Step step : journey.steps()) {
                for (MessageSpec message : step.messages()) {
                    used.add(message.template());
                }
            }
        }
        List<Problem> problems = new ArrayList<>();
        for (String template : templates.names()) {
            if (!used.contains(template)) {
                problems.add(new Problem(
                        templates.directory().toString(),
                        0,
                        0,
                        Severity.WARNING,
                        "template '" + template + "' is not used by any journey"));
            }
        }
        return problems;
    }

    /** The folder of broadcast files ({@code onramp broadcast send}): not journeys, and never sent by a load. */
    public static final String BROADCASTS = "broadcasts";

    /**
     * The journey files under {@code directory}, in a stable order: not scenarios, not {@code team.yaml}, not the
     * broadcast files of {@code broadcasts/}.
     */
    public static List<Path> journeyFiles(Path directory) {
        try (Stream<Path> files = Files.walk(directory, 8)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> {
                        String n = f.getFileName().toString();
                        return (n.endsWith(".yaml") || n.endsWith(".yml"))
                                && !n.endsWith(".test.yaml")
                                && !n.endsWith(".test.yml");
                    })
                    .filter(f -> !hidden(directory.relativize(f)))
                    .filter(f -> !f.equals(directory.resolve(TeamParser.FILE)))
                    .filter(f -> !f.equals(directory.resolve(RoutesParser.FILE)))
                    .filter(f -> !directory.relativize(f).startsWith(BROADCASTS))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + directory, e);
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
