package dev.onramp.bench;

import dev.onramp.cli.Validation;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.run.EngineSettings;
import dev.onramp.journey.scenario.ScenarioSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a growth team's CI does on a big journeys folder: 100 journeys of 4 steps with conditions, reminders and quiet
 * hours, their templates, and 1,000 scenarios — validated and tested, in this JVM (twice, cold then warm) and as the
 * command-line tool a CI job starts.
 */
final class JourneysBenchmark {

    static final int JOURNEYS = 100;
    static final int SCENARIOS_PER_JOURNEY = 10;

    void run() throws Exception {
        Path dir = Bench.workDir("journeys");
        generate(dir);
        System.out.printf(
                "journeys-as-code benchmark — %s, %d cores; %d journeys, %d scenarios in %s%n",
                Instant.now(),
                Runtime.getRuntime().availableProcessors(),
                JOURNEYS,
                JOURNEYS * SCENARIOS_PER_JOURNEY,
                dir);
        List<String> rows = new ArrayList<>();
        for (String round : List.of("first run in this JVM", "second run in this JVM")) {
            long start = System.nanoTime();
            List<Problem> problems = new Validation().run(dir, dir.resolve("templates"));
            long validated = System.nanoTime();
            ScenarioSuite.Outcome outcome = ScenarioSuite.run(dir, EngineSettings.defaults());
            long tested = System.nanoTime();
            if (problems.stream().anyMatch(Problem::isError)
                    || !outcome.passed()
                    || outcome.results().size() != JOURNEYS * SCENARIOS_PER_JOURNEY) {
                throw new IllegalStateException("the generated folder should be valid and its scenarios pass: "
                        + problems.size() + " problems, " + outcome.failed() + " failed of "
                        + outcome.results().size());
            }
            rows.add(String.format(
                    "| validate, %s | %.2f s |%n| test (%d scenarios), %s | %.2f s |",
                    round, (validated - start) / 1e9, outcome.results().size(), round, (tested - validated) / 1e9));
        }
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        Path jar = root.resolve("journey-engine/cli/target/onramp-cli.jar");
        for (String command : List.of("validate", "test")) {
            long start = System.nanoTime();
            Process process = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-jar",
                            jar.toString(),
                            command,
                            dir.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException("onramp " + command + " failed with " + process.exitValue());
            }
            rows.add(String.format(
                    "| `java -jar onramp-cli.jar %s` (a fresh JVM, as in CI) | %.2f s |",
                    command, (System.nanoTime() - start) / 1e9));
        }
        System.out.println();
        System.out.println("| measure | time |");
        System.out.println("|---|---|");
        rows.forEach(System.out::println);
    }

    private static void generate(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("templates"));
        for (int s = 0; s < 4; s++) {
            Files.writeString(
                    dir.resolve("templates/step-" + s + ".in_app.txt"),
                    "title: Step " + s + " for {user.traits.firstName ?: 'you'}\naction: Do it\nurl: {links.app}/step/"
                            + s + "\n\nThe next step is " + s
                            + ", {user.traits.firstName ?: 'friend'}. Plan: {context.plan ?: 'free'}.\n");
            Files.writeString(
                    dir.resolve("templates/step-" + s + ".email.html"),
                    "subject: Step " + s
                            + ", {user.traits.firstName ?: 'hi'}\n\n<p>Hi {user.traits.firstName ?: 'there'}, time for step "
                            + s + ".</p>\n<p><a href=\"{links.app}/step/" + s + "\">Go</a></p>\n");
        }
        for (int j = 0; j < JOURNEYS; j++) {
            String id = String.format("journey-%03d", j);
            StringBuilder journey = new StringBuilder("""
                    journey: %1$s
                    trigger: { event: Signed Up %2$d, where: user.traits.role != "guest" && user.traits.seats >= 1 }
                    quiet_hours: { from: "21:00", to: "08:00" }
                    goal: { event: Converted %2$d, within: 14d }
                    exit: { event: Left %2$d }
                    steps:
                    """.formatted(id, j));
            for (int s = 0; s < 4; s++) {
                journey.append("""
                          - id: step-%1$d
                            done_when: { event: Step %1$d Done, where: event.properties.ok == true || !has(event.properties.ok) }
                            nudge: { after: %2$dm, channel: in_app, template: step-%1$d }
                            remind:
                              - { after: 1d, channel: email, fallback: [in_app], template: step-%1$d, where: has(user.traits.email) }
                        """.formatted(s, 10 + 10 * s));
            }
            Files.writeString(dir.resolve(id + ".yaml"), journey);
            StringBuilder tests = new StringBuilder("journey: " + id + "\nscenarios:\n");
            for (int k = 0; k < SCENARIOS_PER_JOURNEY; k++) {
                int done = k % 4;
                tests.append("""
                          - name: user %1$d does %2$d step(s) then waits
                            user: { id: u-%1$d, traits: { firstName: Ada, seats: 3, timezone: Europe/Paris } }
                            only_expected: false
                            events:
                              - { at: 0s, event: Signed Up %3$d, properties: { plan: team } }
                        """.formatted(k, done, j));
                for (int s = 0; s < done; s++) {
                    tests.append("      - { at: ")
                            .append(s + 1)
                            .append("m, event: Step ")
                            .append(s)
                            .append(" Done }\n");
                }
                int nudgeAt = (done == 0 ? 0 : done) + 10 + 10 * done;
                tests.append("    expect:\n      - { at: ")
                        .append(nudgeAt)
                        .append("m, send: { step: step-")
                        .append(done)
                        .append(", kind: nudge, channel: in_app } }\n");
                for (int s = 0; s < done; s++) {
                    tests.append("      - { never: { step: step-").append(s).append(" } }\n");
                }
            }
            Files.writeString(dir.resolve(id + ".test.yaml"), tests);
        }
    }
}
