package dev.onramp.cli;

import dev.onramp.journey.load.Problem;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Durations;
import dev.onramp.journey.route.RouteCase;
import dev.onramp.journey.run.Cap;
import dev.onramp.journey.run.EngineSettings;
import dev.onramp.journey.scenario.ScenarioReport;
import dev.onramp.journey.scenario.ScenarioResult;
import dev.onramp.journey.scenario.ScenarioSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the *.test.yaml scenarios on a virtual clock, and the route scenarios of routes.test.yaml.",
            "The scenario files of a journeys folder run through the engine's own semantics: no Kafka, no database, days",
            "in milliseconds. Exit status 1 when a scenario fails or a file is broken."
        })
final class TestCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "The journeys folder.")
    Path directory;

    @Option(
            names = "--junit",
            paramLabel = "FILE",
            description = "Also write the results as JUnit XML, for CI systems.")
    Path junit;

    @Option(
            names = "--timezone",
            paramLabel = "ZONE",
            defaultValue = "UTC",
            description = "The installation's default time zone (onramp.engine.default-timezone).")
    ZoneId timezone;

    @Option(
            names = "--cap",
            paramLabel = "CHANNEL=COUNT/PERIOD",
            description = "A frequency cap, as configured for the engine, such as email=1/1d. Repeatable.")
    List<String> caps = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        ScenarioSuite.Outcome outcome = ScenarioSuite.run(directory, new EngineSettings(timezone, caps(), 1));
        for (Problem problem : outcome.problems()) {
            System.out.println(problem);
        }
        Map<String, List<ScenarioResult>> byFile = new LinkedHashMap<>();
        outcome.results().forEach(r -> byFile.computeIfAbsent(r.scenario().file(), k -> new ArrayList<>())
                .add(r));
        byFile.forEach((file, results) -> {
            System.out.println(file);
            results.forEach(r -> System.out.print(ScenarioReport.text(r)));
        });
        Map<String, List<RouteCase.Result>> routesByFile = new LinkedHashMap<>();
        outcome.routeResults().forEach(r -> routesByFile
                .computeIfAbsent(r.scenario().file(), k -> new ArrayList<>())
                .add(r));
        routesByFile.forEach((file, results) -> {
            System.out.println(file);
            results.forEach(r -> System.out.print(ScenarioReport.text(r)));
        });
        if (junit != null) {
            if (junit.toAbsolutePath().getParent() != null) {
                Files.createDirectories(junit.toAbsolutePath().getParent());
            }
            Files.writeString(junit, ScenarioReport.junit(outcome.results(), outcome.routeResults()));
        }
        System.out.printf(
                "%d scenario(s): %d passed, %d failed%s (%d ms)%n",
                outcome.count(),
                outcome.count() - outcome.failed(),
                outcome.failed(),
                outcome.problems().isEmpty() ? "" : "; " + outcome.problems().size() + " problem(s) in files",
                (System.nanoTime() - start) / 1_000_000);
        return outcome.passed() ? 0 : 1;
    }

    private Map<Channel, List<Cap>> caps() {
        Map<Channel, List<Cap>> out = new EnumMap<>(Channel.class);
        for (String cap : caps) {
            String[] parts = cap.split("[=/]");
            if (parts.length != 3) {
                throw new IllegalArgumentException("--cap " + cap + ": write channel=count/period, such as email=1/1d");
            }
            Channel channel = Channel.of(parts[0].trim())
                    .orElseThrow(() ->
                            new IllegalArgumentException("--cap " + cap + ": '" + parts[0] + "' is not a channel"));
            out.computeIfAbsent(channel, c -> new ArrayList<>())
                    .add(new Cap(
                            Integer.parseInt(parts[1].trim()),
                            Durations.parse(parts[2])
                                    .orElseThrow(() -> new IllegalArgumentException(
                                            "--cap " + cap + ": '" + parts[2] + "' is not a duration"))));
        }
        return out;
    }
}
