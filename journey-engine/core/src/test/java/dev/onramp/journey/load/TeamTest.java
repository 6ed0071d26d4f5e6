package dev.onramp.journey.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Teammate;
import dev.onramp.journey.run.EngineSettings;
import dev.onramp.journey.run.JourneyRuntime;
import dev.onramp.journey.run.Outcome;
import dev.onramp.journey.run.UserEvent;
import dev.onramp.journey.run.UserState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code team.yaml}: who signs messages, read and checked like a journey, and named by journeys and steps. */
class TeamTest {

    static final String TEAM = """
            teams:
              - { id: reliability, name: Reliability & Performance }
              - { id: product, name: Find Product-Market Fit }
            teammates:
              - { id: belle, name: Belle, role: Content Crafter, email: belle@acme.example, team: product,
                  avatar: "https://acme.example/team/belle.png" }
              - { id: brian, name: Brian, role: Designer, email: brian@acme.example, team: reliability }
              - { id: joel, name: Joel, role: CEO, email: joel@acme.example }
            """;

    static final String JOURNEY = """
            journey: onboarding
            sender: belle
            trigger: { event: Signed Up }
            steps:
              - id: profile
                done_when: { event: Profile Completed }
                nudge: { after: 0s, channel: in_app, template: profile }
              - id: invite
                sender: joel
                done_when: { event: Teammate Invited }
                nudge: { after: 1h, channel: email, template: invite }
            """;

    final TeamParser parser = new TeamParser();

    /** A journeys directory with the journey's templates and, when given, a team file. */
    static void write(Path dir, String team, String journey) throws Exception {
        Files.createDirectories(dir.resolve("templates"));
        Files.writeString(dir.resolve("templates/profile.in_app.txt"), "---\ntitle: Hi\n---\nWhat should we call you?");
        Files.writeString(dir.resolve("templates/invite.email.html"), "---\nsubject: Invite\n---\n<p>Invite</p>");
        if (team != null) {
            Files.writeString(dir.resolve("team.yaml"), team);
        }
        Files.writeString(dir.resolve("onboarding.yaml"), journey);
    }

    List<String> problems(String yaml) {
        return parser.parse("team.yaml", yaml).problems().stream()
                .map(Problem::toString)
                .toList();
    }

    @Test
    void readsTeamsAndTeammates() {
        TeamParser.Parsed parsed = parser.parse("team.yaml", TEAM);

        assertThat(parsed.problems()).isEmpty();
        Roster roster = parsed.roster();
        assertThat(roster.teammateIds()).containsExactly("belle", "brian", "joel");
        assertThat(roster.teammate("belle"))
                .contains(new Teammate(
                        "belle",
                        "Belle",
                        "Content Crafter",
                        "belle@acme.example",
                        Optional.of("https://acme.example/team/belle.png"),
                        Optional.of("product")));
        assertThat(roster.teammate("joel").orElseThrow().team()).isEmpty();
        assertThat(roster.team("reliability").orElseThrow().name()).isEqualTo("Reliability & Performance");
    }

    @Test
    void reportsEveryProblemAtItsLineAndColumn() {
        assertThat(problems("""
                        teams:
                          - { id: product, name: Product }
                          - { id: product, name: Again }
                        teammates:
                          - { id: belle, name: Belle, role: Content Crafter, email: belle@acme.example, team: prodcut }
                          - { id: brian, name: Brian, role: Designer, email: not-an-address }
                          - { id: joel, name: Joel, email: joel@acme.example, avatar: "javascript:alert(1)" }
                          - { id: belle, name: Belle Two, role: Writer, email: belle2@acme.example }
                          - { id: Mona, name: "Mona\\nBcc: everyone@acme.example", role: Support, email: m@acme.example }
                        people: []
                        """))
                .containsExactly(
                        "team.yaml:3:5: error: team id 'product' is already used at line 2",
                        "team.yaml:5:87: error: 'prodcut' is not a team in team.yaml (did you mean 'product'?)",
                        "team.yaml:6:54: error: 'not-an-address' is not an email address such as belle@acme.example",
                        "team.yaml:7:5: error: 'role' is required: what they do, shown beside their name",
                        "team.yaml:7:63: error: 'javascript:alert(1)' is not an http(s) URL of a picture,"
                                + " such as https://acme.example/belle.png",
                        "team.yaml:8:5: error: teammate id 'belle' is already used at line 5",
                        "team.yaml:9:11: error: 'Mona' is not a valid id: use lower-case letters, digits, '-' and '_',"
                                + " starting with a letter or digit",
                        "team.yaml:9:23: error: 'name' is one line of text, without line breaks or tabs",
                        "team.yaml:10:1: error: unknown field 'people' in team.yaml; expected one of: teams,"
                                + " teammates");
    }

    @Test
    void aJourneyAndEachOfItsStepsNameWhoSignsTheirMessages(@TempDir Path dir) throws Exception {
        write(dir, TEAM, JOURNEY);

        JourneyDirectory.Loaded loaded = JourneyDirectory.load(dir, new Conditions());

        assertThat(loaded.errors()).isEmpty();
        assertThat(JourneyDirectory.journeyFiles(dir)).containsExactly(dir.resolve("onboarding.yaml"));
        Journey journey = loaded.journeys().get("onboarding").orElseThrow();
        assertThat(journey.sender().map(Teammate::id)).contains("belle");
        assertThat(journey.step("profile").orElseThrow().sender().map(Teammate::name))
                .contains("Belle");
        assertThat(journey.step("invite").orElseThrow().sender().map(Teammate::role))
                .contains("CEO");
        assertThat(loaded.team().teammateIds()).contains("brian");
    }

    @Test
    void eachMessageRequestCarriesItsStepsSender(@TempDir Path dir) throws Exception {
        write(dir, TEAM, JOURNEY);
        JourneyDirectory.Loaded loaded = JourneyDirectory.load(dir, new Conditions());
        JourneyRuntime runtime = new JourneyRuntime(loaded.journeys(), id -> 1, EngineSettings.defaults());
        Instant t0 = Instant.parse("2026-12-07T10:00:00Z");

        Outcome identified = runtime.onEvent(
                UserState.empty("u-1"), UserEvent.identify("u-1", Map.of("email", "u-1@example.com"), t0), t0);
        Outcome signedUp = runtime.onEvent(identified.state(), UserEvent.track("u-1", "Signed Up", Map.of(), t0), t0);
        Outcome profiled = runtime.onEvent(
                signedUp.state(),
                UserEvent.track("u-1", "Profile Completed", Map.of(), t0.plusSeconds(60)),
                t0.plusSeconds(60));
        Outcome invited = runtime.onDue(profiled.state(), t0.plusSeconds(60 + 3600));

        assertThat(signedUp.messages()).singleElement().satisfies(m -> {
            assertThat(m.step()).isEqualTo("profile");
            assertThat(m.sender().id()).isEqualTo("belle");
            assertThat(m.sender().avatar()).contains("https://acme.example/team/belle.png");
        });
        assertThat(invited.messages()).singleElement().satisfies(m -> {
            assertThat(m.step()).isEqualTo("invite");
            assertThat(m.sender().name()).isEqualTo("Joel");
            assertThat(m.sender().email()).isEqualTo("joel@acme.example");
        });
    }

    @Test
    void aJourneyWithoutASenderSendsUnsigned(@TempDir Path dir) throws Exception {
        write(dir, TEAM, JOURNEY.replace("sender: belle\n", "").replace("    sender: joel\n", ""));
        JourneyDirectory.Loaded loaded = JourneyDirectory.load(dir, new Conditions());
        Instant t0 = Instant.parse("2026-12-07T10:00:00Z");

        Outcome signedUp = new JourneyRuntime(loaded.journeys(), id -> 1, EngineSettings.defaults())
                .onEvent(UserState.empty("u-1"), UserEvent.track("u-1", "Signed Up", Map.of(), t0), t0);

        assertThat(loaded.errors()).isEmpty();
        assertThat(signedUp.messages()).singleElement().satisfies(m -> assertThat(m.sender())
                .isNull());
    }

    @Test
    void anUnknownSenderIsAnErrorWithTheClosestTeammate(@TempDir Path dir) throws Exception {
        write(dir, TEAM, JOURNEY.replace("sender: joel", "sender: joell"));

        JourneyDirectory.Loaded loaded = JourneyDirectory.load(dir, new Conditions());

        assertThat(loaded.errors())
                .extracting(Problem::toString)
                .containsExactly(dir.resolve("onboarding.yaml") + ":9:13: error: 'joell' is not a teammate in"
                        + " team.yaml (did you mean 'joel'?)");
        assertThat(loaded.journeys().size()).isZero();
    }

    @Test
    void aSenderWithoutATeamFileSaysWhatIsMissing(@TempDir Path dir) throws Exception {
        write(dir, null, JOURNEY);

        assertThat(JourneyDirectory.load(dir, new Conditions()).errors())
                .extracting(Problem::toString)
                .contains(dir.resolve("onboarding.yaml") + ":2:9: error: 'sender' names teammate 'belle', but there"
                        + " is no team.yaml beside the journeys to say who that is");
    }

    @Test
    void aBrokenTeamFileStopsTheWholeDirectoryFromLoading(@TempDir Path dir) throws Exception {
        write(dir, TEAM.replace("belle@acme.example", "belle at acme"), JOURNEY.replace("sender: belle\n", ""));

        JourneyDirectory.Loaded loaded = JourneyDirectory.load(dir, new Conditions());

        // Only the team file's own problem: the journey's sender is not reported missing from a file that is broken.
        assertThat(loaded.errors())
                .extracting(Problem::toString)
                .containsExactly(dir.resolve("team.yaml") + ":5:61: error: 'belle at acme' is not an email address"
                        + " such as belle@acme.example");
        assertThat(loaded.journeys().size()).isZero();
        assertThat(loaded.team().isEmpty()).isTrue();
    }
}
