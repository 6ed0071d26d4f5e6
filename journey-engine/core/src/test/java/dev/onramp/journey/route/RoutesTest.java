package dev.onramp.journey.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.load.RoutesParser;
import dev.onramp.journey.load.TeamParser;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.run.EngineSettings;
import dev.onramp.journey.scenario.ScenarioSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutesTest {

    static final Roster TEAM = new TeamParser().parse("team.yaml", """
                    teams: [{ id: revenue, name: Revenue }, { id: reliability, name: Reliability }]
                    teammates: [{ id: joel, name: Joel, role: CEO, email: joel@acme.example, team: revenue }]
                    """).roster();

    final RoutesParser parser = new RoutesParser(Conditions.forConversations());

    List<String> problems(String yaml) {
        return parser.parse("routes.yaml", yaml, TEAM).problems().stream()
                .map(Problem::toString)
                .toList();
    }

    @Test
    void theFirstRuleThatHoldsRoutesAConversationByWhatWasWrittenAndWhoWroteIt() {
        // Given billing questions and enterprise customers to revenue, the rest to a default
        RoutesParser.Parsed parsed = parser.parse("routes.yaml", """
                destinations: { zendesk: helpdesk, slack-revenue: chat }
                routes:
                  - id: billing
                    when: conversation.category == "billing" || user.traits.plan == "enterprise"
                    tags: [billing]
                    team: revenue
                    priority: high
                    assignee: joel
                    to: [zendesk, slack-revenue]
                  - id: words
                    when: conversation.text.lowerAscii().contains("refund")
                    team: revenue
                    to: zendesk
                  - id: rest
                    to: [zendesk]
                """, TEAM);
        assertThat(parsed.problems()).isEmpty();
        Routes routes = parsed.routes();
        Instant now = Instant.parse("2026-12-07T12:00:00Z");

        // When and then
        assertThat(routes.route(feedback("hello", "billing"), "u", Map.of(), now)
                        .describe())
                .isEqualTo("rule billing: team revenue, priority high, assigned to joel, tags billing,"
                        + " to zendesk, slack-revenue");
        assertThat(routes.route(feedback("hi", null), "u", Map.of("plan", "enterprise"), now)
                        .route()
                        .id())
                .isEqualTo("billing");
        assertThat(routes.route(feedback("A REFUND please", null), "u", Map.of(), now)
                        .route()
                        .id())
                .isEqualTo("words");
        // No category and no plan trait: both read as null, the rules are false, nothing fails.
        Routes.Routed rest = routes.route(feedback("what is this?", null), "u", Map.of(), now);
        assertThat(rest.route().id()).isEqualTo("rest");
        assertThat(rest.errors()).isEmpty();
    }

    @Test
    void reportsEveryProblemAtItsLineAndColumn() {
        assertThat(problems("""
                destinations: { zendesk: helpdesk, pager: phone }
                routes:
                  - id: bugs
                    when: conversation.text > 3
                    team: reliablity
                    assignee: jo
                    priority: asap
                    tags: [Bug!]
                    to: [zendesk, slak]
                  - id: rest
                    to: zendesk
                  - id: bugs
                    team: revenue
                """))
                .containsExactly(
                        "routes.yaml:1:43: error: destination 'pager' is a helpdesk, a webhook or a chat, not 'phone'",
                        "routes.yaml:4:29: error: condition: found no matching overload for '_>_' applied to"
                                + " '(string, int)'",
                        "routes.yaml:5:11: error: 'reliablity' is not a team in team.yaml (did you mean 'reliability'?)",
                        "routes.yaml:6:15: error: 'jo' is not a teammate in team.yaml; teammates: joel",
                        "routes.yaml:7:15: error: 'priority' is low, normal, high or urgent, not 'asap'",
                        "routes.yaml:8:12: error: a tag is lower-case letters, digits, '-', '_' and ':', not 'Bug!'",
                        "routes.yaml:9:19: error: 'slak' is not a destination of this file; destinations: zendesk",
                        "routes.yaml:12:5: error: rule id 'bugs' is already used at line 3",
                        "routes.yaml:12:5: error: this rule is never reached: rule 'rest' at line 10 has no 'when',"
                                + " so it takes every conversation; put it last");
    }

    @Test
    void aRouteScenarioFailsWhenARuleIsChangedToRouteElsewhere(@TempDir Path copy) throws IOException {
        // Given the example journeys folder, whose route scenarios pass
        Path journeys = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(journeys.resolve("deploy/journeys"))) {
            journeys = journeys.getParent();
        }
        journeys = journeys.resolve("deploy/journeys");
        copyTree(journeys, copy);
        assertThat(ScenarioSuite.run(copy, EngineSettings.defaults()).passed()).isTrue();

        // When billing is handed to the product team instead of revenue
        Path routes = copy.resolve("routes.yaml");
        String changed = Files.readString(routes)
                .replace("tags: [billing]\n    team: revenue", "tags: [billing]\n    team: product");
        assertThat(changed).isNotEqualTo(Files.readString(routes));
        Files.writeString(routes, changed);

        // Then the route scenarios say so, and the run fails
        ScenarioSuite.Outcome outcome = ScenarioSuite.run(copy, EngineSettings.defaults());
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.routeResults())
                .filteredOn(r -> !r.passed())
                .extracting(r -> r.scenario().name() + ": " + r.failures())
                .containsExactly(
                        "a reply to the invite step about a refund goes to revenue: [team: expected revenue, got"
                                + " product]",
                        "anything from an enterprise customer reaches revenue: [team: expected revenue, got product]");
    }

    static Routes.Written feedback(String text, String category) {
        return new Routes.Written(text, category, "in_app", "feedback", null, null, null);
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
