package dev.onramp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tools as a growth team runs them, output checked word for word where it matters. */
class OnrampCliTest {

    record Run(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    static synchronized Run onramp(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            int status = Onramp.run(args);
            return new Run(status, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static Path shipped() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("deploy/journeys"))) {
            dir = dir.getParent();
        }
        return dir.resolve("deploy/journeys");
    }

    @Test
    void findsNothingWrongWithTheShippedJourneys() {
        Run run = onramp("validate", shipped().toString());

        assertThat(run.out()).isEmpty();
        assertThat(run.err()).endsWith(": 0 error(s), 0 warning(s)\n");
        assertThat(run.status()).isZero();
    }

    @Test
    void reportsEveryProblemOfABrokenFolderAtItsLineAndColumn() {
        Run run = onramp("validate", "src/test/resources/broken");

        assertThat(run.lines())
                .containsExactly(
                        "src/test/resources/broken/team.yaml:2:61: error: 'belle' is not an email address such as"
                                + " belle@acme.example",
                        "src/test/resources/broken/templates/welcome.in_app.txt:1:16: error: {usr.name} uses 'usr', which templates do not have;"
                                + " they have context, journey, links, message, sender, step, user",
                        "src/test/resources/broken/trial.yaml:4:27: error: condition: syntax error: token recognition error at: '= '"
                                + " (to compare, write ==)",
                        "src/test/resources/broken/trial.yaml:8:21: error: '1 day' is not a duration: write it like 30s, 10m, 2h, 3d, 1w or 1h30m",
                        "src/test/resources/broken/trial.yaml:8:54: error: template 'connect-data' has no email version: expected a file"
                                + " connect-data.email.* in templates",
                        "src/test/resources/broken/trial.yaml:12:10: error: holdout must be at least 0% and under 100%");
        assertThat(run.err()).isEqualTo("src/test/resources/broken: 6 error(s), 0 warning(s)\n");
        assertThat(run.status()).isEqualTo(1);
    }

    @Test
    void warnsAboutStepsThatCanNeverBeNextAndTemplatesNobodyUses(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("templates"));
        Files.writeString(dir.resolve("templates/hi.in_app.txt"), "title: Hi {user.traits.firstName}\n\nHello.\n");
        Files.writeString(dir.resolve("templates/unused.sms.txt"), "Nobody sends me.\n");
        Files.writeString(dir.resolve("twins.yaml"), """
                journey: twins
                trigger: { event: Signed Up }
                steps:
                  - id: first
                    done_when: { event: Connected }
                    nudge: { after: 1h, channel: in_app, template: hi }
                  - id: second
                    done_when: { event: Connected }
                    nudge: { after: 1h, channel: in_app, template: hi, where: "1 > 2" }
                """);

        Run run = onramp("validate", dir.toString());

        assertThat(run.lines())
                .containsExactly(
                        dir + "/templates:0:0: warning: template 'unused' is not used by any journey",
                        dir
                                + "/templates/hi.in_app.txt:0:0: warning: does not render for a user without traits, so such users get nothing by"
                                + " in_app: cannot be rendered for this user: Rendering error: Key \"firstName\" not found in the map with"
                                + " keys [] in expression {user.traits.firstName}; give the value a default, such as"
                                + " {user.traits.firstName ?: 'there'}",
                        dir
                                + "/twins.yaml:7:5: warning: step 'second' is done by the same events as step 'first', so it is never the next step"
                                + " and never sends",
                        dir
                                + "/twins.yaml:9:64: warning: the nudge of step 'second' is never sent: its where is always false");
        assertThat(run.status()).as("warnings alone do not fail").isZero();
    }

    @Test
    void answersInJsonForTools() {
        Run run = onramp("validate", "--format", "json", "src/test/resources/broken");

        assertThat(run.out())
                .contains(
                        "\"file\" : \"src/test/resources/broken/trial.yaml\"",
                        "\"line\" : 12",
                        "\"severity\" : \"error\"");
    }

    @Test
    void runsTheShippedScenariosAndWritesJUnitXml(@TempDir Path dir) throws Exception {
        Run run = onramp(
                "test",
                shipped().toString(),
                "--junit",
                dir.resolve("results.xml").toString());

        assertThat(run.status()).as(run.out()).isZero();
        // The journey's nine scenarios and the five route scenarios of routes.test.yaml.
        assertThat(run.lines().getLast()).startsWith("14 scenario(s): 14 passed, 0 failed");
        assertThat(run.out())
                .contains("routes.test.yaml", "✓ a question nobody wrote a rule for still reaches a person");
        String xml = Files.readString(dir.resolve("results.xml"));
        assertThat(xml).contains("workspace-onboarding.test.yaml\" tests=\"9\" failures=\"0\"");
        assertThat(xml).contains("routes.test.yaml\" tests=\"5\" failures=\"0\"");
    }

    @Test
    void showsAFailingScenarioWithBothTimelines() {
        Run run = onramp("test", "src/test/resources/failing");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.lines().subList(2, 5))
                .containsExactly(
                        "      src/test/resources/failing/workspace-onboarding.test.yaml:3 — user ada, clock 2026-03-02T09:00:00+01:00",
                        "      expected                                            │ actual",
                        "    ✗ +1h2m    Mon 2 Mar 10:02   invite-teammate email    │ +2h2m    Mon 2 Mar 11:02   invite-teammate nudge email"
                                + " (invite-teammate)  ← 1h late");
        assertThat(run.lines().get(1)).startsWith("  ✗ expects the email an hour too early (");
        assertThat(run.lines().get(5)).startsWith("  ✓ right about the in-app nudge (");
        assertThat(run.lines().getLast()).startsWith("2 scenario(s): 1 passed, 1 failed");
    }

    @Test
    void previewsEveryChannelAndLocaleOfAStep(@TempDir Path out) throws Exception {
        Run run = onramp(
                "preview",
                shipped().toString(),
                "--journey",
                "workspace-onboarding",
                "--step",
                "invite-teammate",
                "--trait",
                "firstName=Ada",
                "--trait",
                "workspaceName=<Acme>",
                "--out",
                out.toString());

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.lines())
                .containsExactly(
                        out.resolve("workspace-onboarding.invite-teammate.nudge0.email.html")
                                .toString(),
                        out.resolve("workspace-onboarding.invite-teammate.nudge0.in_app.html")
                                .toString(),
                        out.resolve("workspace-onboarding.invite-teammate.reminder1.sms.txt")
                                .toString());
        String email = Files.readString(out.resolve("workspace-onboarding.invite-teammate.nudge0.email.html"));
        assertThat(email)
                .contains("Ada, Slack is better with your team")
                .contains("<b>&lt;Acme&gt;</b>")
                .contains("Text part");
        assertThat(onramp("preview", shipped().toString(), "--journey", "workspace-onboarding", "--step", "nope")
                        .err())
                .contains(
                        "has no step 'nope'; it has: set-display-name, create-channel, invite-teammate, install-desktop-app");
    }

    @Test
    void checksBroadcastFilesAtTheirLineAndColumnAndSendsNothing(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("broadcasts"));
        Files.writeString(dir.resolve("broadcasts/outage.yaml"), """
                name: Outage
                audience: { where: 'user.traits.plan = "pro"' }
                channels: [in_app, pigeon]
                content:
                  in_app: { title: "Sign-in is failing", body: "Next update by {contxt.nextUpdateAt}." }
                """);

        Run run = onramp("validate", dir.toString());

        String file = dir + "/broadcasts/outage.yaml";
        assertThat(run.lines())
                .containsExactly(
                        file + ":2:38: error: audience.where: syntax error: token recognition error at: '= '"
                                + " (to compare, write ==)",
                        file + ":3:20: error: channels.1: one of in_app, email, sms, webhook",
                        file + ":5:64: error: content.in_app.body: {contxt.nextUpdateAt} uses 'contxt', which"
                                + " templates do not have; they have context, journey, links, message, sender, step, user");
        assertThat(run.status()).isEqualTo(1);
        // Nor is it a journey.
        assertThat(run.err()).endsWith(": 3 error(s), 0 warning(s)\n");
    }

    @Test
    void previewsABroadcastFileInEachChannelAndShowsTheRequestItWouldSend(@TempDir Path out) throws Exception {
        Path file = shipped().resolve("broadcasts/weekly-tips.yaml");
        Run run = onramp(
                "preview",
                shipped().toString(),
                "--broadcast",
                file.toString(),
                "--trait",
                "firstName=Ada",
                "--out",
                out.toString());

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.lines())
                .containsExactly(
                        out.resolve("broadcast.weekly-tips.in_app.html").toString(),
                        out.resolve("broadcast.weekly-tips.email.html").toString());
        assertThat(Files.readString(out.resolve("broadcast.weekly-tips.email.html")))
                .contains("Three shortcuts, Ada");
        assertThat(run.err()).contains("nothing was sent");

        Run dry = onramp("broadcast", "send", file.toString(), "--dry-run");
        assertThat(dry.status()).as(dry.err()).isZero();
        assertThat(dry.lines().get(0)).isEqualTo("POST /v1/broadcasts");
        assertThat(dry.lines().get(1)).matches("Idempotency-Key: onramp-broadcast-file:[0-9a-f]{64}");
        assertThat(dry.out()).contains("\"localStartAt\" : \"2026-12-08T09:00\"");
        Run incident = onramp(
                "broadcast",
                "send",
                shipped().resolve("broadcasts/security-notice.yaml").toString(),
                "--dry-run");
        assertThat(incident.lines().get(0)).isEqualTo("POST /v1/incidents");
        // An incident's notice shows the time of the next update on the recipient's clock.
        Run previewed = onramp(
                "preview",
                shipped().toString(),
                "--broadcast",
                shipped().resolve("broadcasts/security-notice.yaml").toString(),
                "--trait",
                "timezone=Europe/Paris",
                "--out",
                out.toString());
        assertThat(previewed.status()).as(previewed.err()).isZero();
        assertThat(Files.readString(out.resolve("broadcast.security-notice.in_app.html")))
                .contains("Next update by 15:00 CET.");
    }
}
