package dev.onramp.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyDirectory;
import dev.onramp.journey.load.TemplateCatalog;
import dev.onramp.journey.model.Roster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broadcast files: the API's body in YAML, each problem at its line and column, a key from what it says. */
class BroadcastFileTest {

    @TempDir
    Path journeys;

    static final String GOOD = """
            # The maintenance notice: onramp broadcast send broadcasts/maintenance.yaml
            name: Maintenance tonight
            audience:
              where: user.traits.plan == "pro"
            channels: [in_app, email]
            priority: product
            category: product
            localStartAt: 2026-12-08T09:00
            maxLateness: 2h
            rate: 500
            content:
              in_app:
                title: Maintenance tonight
                body: "Read-only from 22:00 to 22:30 UTC."
              email:
                subject: "Maintenance tonight, {user.traits.firstName ?: 'there'}"
                body: |
                  <p>Onramp is read-only from 22:00 to 22:30 UTC.</p>
            """;

    BroadcastSpec.Context context() {
        return new BroadcastSpec.Context(
                new Conditions(), TemplateCatalog.scan(journeys.resolve("templates")), Roster.empty(), 100_000);
    }

    @Test
    void aGoodFileIsTheBroadcastItsFieldsDescribe() {
        BroadcastFile.Read read = BroadcastFile.read(GOOD, "broadcasts/maintenance.yaml", context());

        assertThat(read.problems()).isEmpty();
        assertThat(read.ok()).isTrue();
        BroadcastSpec spec = read.spec();
        assertThat(spec.name()).isEqualTo("Maintenance tonight");
        assertThat(spec.where()).isEqualTo("user.traits.plan == \"pro\"");
        assertThat(spec.rate()).isEqualTo(500);
        assertThat(spec.localStartAt()).isEqualTo(LocalDateTime.parse("2026-12-08T09:00"));
        assertThat(spec.content()).hasSize(2);
        // As the API would take it: the number a number, the times text.
        assertThat(read.body().get("rate").isIntegralNumber()).isTrue();
        assertThat(read.body().get("localStartAt").asText()).isEqualTo("2026-12-08T09:00");
    }

    @Test
    void eachProblemIsAtItsLineAndColumnInTheFile() {
        String bad = GOOD.replace("user.traits.plan == \"pro\"", "user.traits.plan = \"pro\"")
                .replace("priority: product", "priority: loud")
                .replace("rate: 500", "rate: 500\ncolour: red");

        BroadcastFile.Read read = BroadcastFile.read(bad, "broadcasts/maintenance.yaml", context());

        assertThat(read.ok()).isFalse();
        assertThat(read.problems().stream().map(Object::toString))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("broadcasts/maintenance.yaml:4:")
                        .contains("audience.where: "))
                .anySatisfy(p -> assertThat(p).startsWith("broadcasts/maintenance.yaml:6:11: error: priority: "))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("broadcasts/maintenance.yaml:11:1: error: colour: is not a field of a broadcast"));
        // The expression's own mistake, at its column in the file (the '=' at column 27), not at the field's start.
        assertThat(read.problems())
                .filteredOn(p -> p.message().startsWith("audience.where"))
                .allSatisfy(p -> assertThat(p.column()).isGreaterThan(10));
    }

    @Test
    void aMissingFieldIsReportedWhereItsMappingIsAndNotYamlAtAllWhereTheParserStopped() {
        BroadcastFile.Read missing =
                BroadcastFile.read(GOOD.replace("channels: [in_app, email]\n", ""), "b.yaml", context());
        assertThat(missing.problems().stream().map(Object::toString))
                .anySatisfy(p -> assertThat(p).startsWith("b.yaml:2:1: error: channels: "));

        BroadcastFile.Read broken = BroadcastFile.read("name: [unclosed\n", "b.yaml", context());
        assertThat(broken.problems()).hasSize(1);
        assertThat(broken.problems().getFirst().line()).isPositive();
        assertThat(broken.body()).isNull();
    }

    @Test
    void theKeyFollowsWhatTheFileSaysNotHowItIsWritten() {
        String key = key(GOOD);

        assertThat(key(GOOD)).isEqualTo(key);
        assertThat(key(GOOD.replace("# The maintenance notice", "# Sent by Ada at 21:00")
                        .replace("channels: [in_app, email]", "channels:\n  - in_app\n  - email")))
                .isEqualTo(key);
        assertThat(key(GOOD.replace("22:30 UTC.\"", "23:00 UTC.\""))).isNotEqualTo(key);
    }

    @Test
    void theFilesOfBroadcastsAreNotJourneys() throws Exception {
        Files.createDirectories(journeys.resolve("broadcasts"));
        Files.writeString(journeys.resolve("broadcasts/maintenance.yaml"), GOOD);
        Files.writeString(journeys.resolve("broadcasts/notes.txt"), "not a broadcast");

        assertThat(BroadcastFile.files(journeys)).containsExactly(journeys.resolve("broadcasts/maintenance.yaml"));
        assertThat(JourneyDirectory.journeyFiles(journeys)).isEmpty();
    }

    @Test
    void anIncidentFileIsTheFirstNoticeOfTheIncidentItOpens() {
        String incident = """
                kind: incident
                title: Posts nobody wrote
                audience: { all: true }
                priority: urgent
                category: security
                holdNudges: true
                nextUpdateBy: 2026-12-07T14:00:00Z
                channels: [in_app]
                content:
                  in_app: { title: "We were hacked", body: "Reconnect your accounts. Next update by {context.nextUpdateAt}." }
                """;

        BroadcastFile.Read read = BroadcastFile.read(incident, "broadcasts/hacked.yaml", context());

        assertThat(read.problems()).isEmpty();
        assertThat(read.kind()).isEqualTo(BroadcastFile.Kind.INCIDENT);
        assertThat(read.kind().path()).isEqualTo("/v1/incidents");
        assertThat(read.body().has("kind")).as("not a field of the API").isFalse();
        assertThat(read.spec().name()).isEqualTo("Posts nobody wrote");
        assertThat(BroadcastFile.read(incident.replace("kind: incident", "kind: memo"), "b.yaml", context())
                        .problems()
                        .getFirst()
                        .toString())
                .startsWith("b.yaml:1:7: error: kind: broadcast");
        // A broadcast's own field is not an incident's.
        assertThat(BroadcastFile.read(incident + "localStartAt: 2026-12-08T09:00\n", "b.yaml", context())
                        .problems()
                        .getFirst()
                        .toString())
                .startsWith("b.yaml:11:1: error: localStartAt: is not a field of an incident's message");
    }

    private String key(String yaml) {
        BroadcastFile.Read read = BroadcastFile.read(yaml, "b.yaml", context());
        assertThat(read.problems()).isEmpty();
        return BroadcastFile.idempotencyKey(read.kind(), read.body());
    }
}
