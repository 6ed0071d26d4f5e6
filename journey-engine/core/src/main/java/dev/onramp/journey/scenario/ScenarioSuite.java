package dev.onramp.journey.scenario;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyDirectory;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.load.RouteScenarioParser;
import dev.onramp.journey.route.RouteCase;
import dev.onramp.journey.run.EngineSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every scenario file of a journeys directory ({@code *.test.yaml}), run against the directory's journeys: what
 * {@code onramp test DIR} runs.
 */
public final class ScenarioSuite {

    private ScenarioSuite() {}

    /**
     * @param problems what kept journeys or scenario files from loading; scenarios of a broken file do not run
     * @param results every scenario that ran
     * @param routeResults every route scenario that ran ({@code routes.test.yaml})
     */
    public record Outcome(List<Problem> problems, List<ScenarioResult> results, List<RouteCase.Result> routeResults) {
        public boolean passed() {
            return problems.stream().noneMatch(Problem::isError)
                    && results.stream().allMatch(ScenarioResult::passed)
                    && routeResults.stream().allMatch(RouteCase.Result::passed);
        }

        /** Journey and route scenarios that failed. */
        public long failed() {
            return results.stream().filter(r -> !r.passed()).count()
                    + routeResults.stream().filter(r -> !r.passed()).count();
        }

        /** Journey and route scenarios that ran. */
        public int count() {
            return results.size() + routeResults.size();
        }
    }

    public static Outcome run(Path directory, EngineSettings settings) {
        JourneyDirectory.Loaded loaded = JourneyDirectory.load(directory, new Conditions());
        List<Problem> problems = new ArrayList<>(loaded.errors());
        if (loaded.hasErrors()) {
            return new Outcome(problems, List.of(), List.of());
        }
        ScenarioParser parser = new ScenarioParser(loaded.journeys());
        ScenarioRunner runner = new ScenarioRunner(loaded.journeys(), settings);
        List<ScenarioResult> results = new ArrayList<>();
        List<RouteCase.Result> routeResults = new ArrayList<>();
        RouteScenarioParser routeParser = new RouteScenarioParser(loaded.routes());
        for (Path file : scenarioFiles(directory)) {
            String name = directory.resolve(directory.relativize(file)).toString();
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                problems.add(new Problem(name, 0, 0, Problem.Severity.ERROR, "cannot be read: " + e.getMessage()));
                continue;
            }
            if (RouteScenarioParser.isRouteScenarioFile(file.getFileName().toString())) {
                RouteScenarioParser.Parsed parsed = routeParser.parse(name, text);
                problems.addAll(parsed.problems());
                for (RouteCase c : parsed.cases()) {
                    routeResults.add(c.run(loaded.routes(), ScenarioParser.DEFAULT_CLOCK));
                }
                continue;
            }
            ScenarioParser.Parsed parsed = parser.parse(name, text);
            problems.addAll(parsed.problems());
            for (Scenario scenario : parsed.scenarios()) {
                results.add(runner.run(scenario));
            }
        }
        return new Outcome(problems, results, routeResults);
    }

    public static List<Path> scenarioFiles(Path directory) {
        try (Stream<Path> files = Files.walk(directory, 8)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(".test.yaml")
                            || f.getFileName().toString().endsWith(".test.yml"))
                    .filter(f -> {
                        for (Path part : directory.relativize(f)) {
                            if (part.toString().startsWith(".")) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + directory, e);
        }
    }
}
