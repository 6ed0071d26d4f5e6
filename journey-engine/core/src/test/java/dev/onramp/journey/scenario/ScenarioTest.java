package dev.onramp.journey.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyParser;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.model.JourneySet;
import dev.onramp.journey.run.EngineSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioTest {

    static final String JOURNEY = """
            journey: onboarding
            trigger: { event: Signed Up }
            steps:
              - id: set-name
                done_when: { event: Name Set }
                nudge: { after: 10m, channel: in_app, template: set-name }
              - id: invite
                done_when: { event: Invited }
                nudge: { after: 1h, channel: email, fallback: [in_app], template: invite }
            holdout: 50%
            """;

    static JourneySet journeys() {
        return new JourneySet(List.of(new JourneyParser(new Conditions(), null)
                .parse("onboarding.yaml", JOURNEY)
                .journey()
                .orElseThrow()));
    }

    static List<ScenarioResult> run(String scenarios) {
        ScenarioParser.Parsed parsed = new ScenarioParser(journeys()).parse("onboarding.test.yaml", scenarios);
        assertThat(parsed.problems()).isEmpty();
        ScenarioRunner runner = new ScenarioRunner(journeys(), EngineSettings.defaults());
        return parsed.scenarios().stream().map(runner::run).toList();
    }

    @Test
    void theShippedScenariosPass() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("deploy/journeys"))) {
            dir = dir.getParent();
        }
        ScenarioSuite.Outcome outcome = ScenarioSuite.run(dir.resolve("deploy/journeys"), EngineSettings.defaults());

        assertThat(outcome.problems()).isEmpty();
        assertThat(outcome.results()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(outcome.results())
                .allSatisfy(
                        r -> assertThat(r.passed()).as(ScenarioReport.text(r)).isTrue());
    }

    @Test
    void passesWhenTheMessagesAreExactlyTheExpectedOnes() {
        List<ScenarioResult> results = run("""
                journey: onboarding
                scenarios:
                  - name: nudged then emailed
                    user: { id: ada, traits: { email: ada@example.com } }
                    events:
                      - { at: 0s, event: Signed Up }
                      - { at: 30m, event: Name Set }
                    expect:
                      - { at: 10m, send: { step: set-name, channel: in_app } }
                      - { at: 1h30m, send: { step: invite, channel: email } }
                """);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.passed()).as(ScenarioReport.text(r)).isTrue();
            assertThat(ScenarioReport.text(r)).startsWith("  ✓ nudged then emailed (");
        });
    }

    @Test
    void showsTheExpectedAndActualTimelinesSideBySideWhenTheyDiffer() {
        List<ScenarioResult> results = run("""
                journey: onboarding
                scenarios:
                  - name: wrong about the fallback
                    user: { id: bo }
                    clock: 2026-03-02T09:00:00+01:00
                    until: 2h
                    events:
                      - { at: 0s, event: Signed Up }
                      - { at: 5m, event: Name Set }
                    expect:
                      - { at: 1h, send: { step: invite, channel: email } }
                      - { never: { step: set-name } }
                      - { status: completed }
                """);

        ScenarioResult result = results.getFirst();
        assertThat(result.passed()).isFalse();
        String report = ScenarioReport.text(result);
        assertThat(report.lines().skip(1).toList())
                .containsExactly(
                        "      onboarding.test.yaml:3 — user bo, clock 2026-03-02T09:00:00+01:00",
                        "      expected                                            │ actual",
                        "    ✗ +1h      Mon 2 Mar 10:00   invite email             │ not sent — the log says: message_sent, nudge by"
                                + " in_app (invite) (fallback: email (no email trait)); no further message for this step",
                        "    ✓ never                      set-name                 │ not sent",
                        "    ✗ at the end                 completed                │ active",
                        "    ✗ —                                                   │ +1h5m    Mon 2 Mar 10:05   invite nudge in_app"
                                + " (invite)  ← not expected");
    }

    @Test
    void testsTheHoldoutGroupOnlyWhenAskedTo() {
        List<ScenarioResult> results = run("""
                journey: onboarding
                scenarios:
                  - name: held out
                    holdout: true
                    user: { id: cy }
                    events: [ { at: 0s, event: Signed Up } ]
                    until: 1d
                    expect:
                      - { never: {} }
                      - { status: active }
                """);

        assertThat(results.getFirst().passed())
                .as(ScenarioReport.text(results.getFirst()))
                .isTrue();
    }

    @Test
    void aVisitorWhoSignsUpIsOneUserWithWhatTheyDidBefore() {
        List<ScenarioResult> results = run("""
                journey: onboarding
                scenarios:
                  - name: the journey begun anonymously reaches the address given at sign-up
                    user: { id: ada, anonymous_id: visitor-1 }
                    events:
                      - { at: 0s, event: Signed Up, anonymous: true }
                      - { at: 5m, event: Name Set, anonymous: true }
                      - { at: 20m, identify: { email: ada@example.com } }
                    expect:
                      - { at: 1h5m, send: { step: invite, channel: email } }
                      - { status: active }
                  - name: steps done on another device count once it is joined
                    user: { id: ada, traits: { email: ada@example.com } }
                    events:
                      - { at: 0s, event: Signed Up }
                      - { at: 1m, event: Signed Up, anonymous: phone-7 }
                      - { at: 2m, event: Name Set, anonymous: phone-7 }
                      - { at: 3m, alias: phone-7 }
                    expect:
                      - { at: 1h3m, send: { step: invite, channel: email } }
                      - { never: { step: set-name } }
                  - name: events a visitor sends after being joined are the user's
                    user: { id: ada, anonymous_id: visitor-1, traits: { email: ada@example.com } }
                    events:
                      - { at: 0s, identify: {} }
                      - { at: 1m, event: Signed Up, anonymous: true }
                      - { at: 2m, event: Name Set, anonymous: true }
                      - { at: 3m, event: Invited, anonymous: true }
                    expect:
                      - { status: completed }
                """);

        assertThat(results).hasSize(3).allSatisfy(r -> assertThat(r.passed())
                .as(ScenarioReport.text(r))
                .isTrue());
    }

    @Test
    void withoutTheJoinTheVisitorsJourneyStaysTheVisitors() {
        List<ScenarioResult> results = run("""
                journey: onboarding
                scenarios:
                  - name: no identify, no join
                    user: { id: ada, anonymous_id: visitor-1, traits: { email: ada@example.com } }
                    events:
                      - { at: 0s, event: Signed Up, anonymous: true }
                    expect:
                      - { status: not_enrolled }
                      - { at: 10m, send: { step: set-name, channel: in_app } }
                """);

        assertThat(results.getFirst().passed())
                .as(ScenarioReport.text(results.getFirst()))
                .isTrue();
    }

    @Test
    void reportsProblemsOfAScenarioFileWithLineAndColumn() {
        ScenarioParser.Parsed parsed = new ScenarioParser(journeys()).parse("bad.test.yaml", """
                journey: onboarding
                scenarios:
                  - name: typos
                    events:
                      - { at: soon, event: Signed Up }
                      - { at: 5m }
                    expect:
                      - { at: 10m, send: { step: set-nme, chanel: in_app } }
                      - { status: finished }
                """);

        assertThat(parsed.scenarios()).isEmpty();
        assertThat(parsed.problems().stream().map(Problem::toString).toList())
                .containsExactly(
                        "bad.test.yaml:5:15: error: 'soon' is neither a time after the clock (such as 1h30m) nor a date-time with its offset"
                                + " (such as 2026-03-02T09:00:00+01:00)",
                        "bad.test.yaml:6:9: error: an event has one of 'event' (a track call), 'identify' (traits) or 'alias' (the id it"
                                + " joins to the user)",
                        "bad.test.yaml:8:34: error: journey 'onboarding' has no step 'set-nme' (did you mean 'set-name'?)",
                        "bad.test.yaml:8:43: error: unknown field 'chanel' in a message; did you mean 'channel'?",
                        "bad.test.yaml:9:19: error: status is active, completed, exited or not_enrolled, not 'finished'");
    }

    @Test
    void writesJUnitXmlThatNamesEachScenario() {
        List<ScenarioResult> results = run("""
                journey: onboarding
                scenarios:
                  - name: passes
                    events: [ { at: 0s, event: Signed Up } ]
                    expect: [ { at: 10m, send: { step: set-name } } ]
                  - name: fails <badly> & "loudly"
                    until: 1h
                    events: [ { at: 0s, event: Signed Up } ]
                    expect: [ { never: { step: set-name } } ]
                """);

        String xml = ScenarioReport.junit(results);
        assertThat(xml)
                .contains("<testsuite name=\"onboarding.test.yaml\" tests=\"2\" failures=\"1\"")
                .contains("<testcase classname=\"onboarding.test.yaml\" name=\"passes\"")
                .contains("name=\"fails &lt;badly&gt; &amp; &quot;loudly&quot;\"")
                .contains("<failure message=\"1 expectation(s) not met, 0 unexpected message(s)\">");
    }
}
