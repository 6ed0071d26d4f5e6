package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Editing the journeys folder while the engine runs: a broken edit changes nothing and says so everywhere (readiness,
 * log, metric, the journeys API); fixing it applies the new version.
 */
@QuarkusTest
@TestProfile(HotReloadTest.OwnJourneys.class)
class HotReloadTest {

    /**
     * One folder for the whole JVM: Quarkus loads this class twice (for the profile, then for the test), and both
     * must see the same folder. System properties are shared by both class loaders.
     */
    static final Path DIR =
            Path.of((String) System.getProperties().computeIfAbsent("onramp.test.hot-reload-dir", k -> tempDir()));

    static String tempDir() {
        try {
            Path dir = Files.createTempDirectory("onramp-hot-reload");
            Files.createDirectories(dir.resolve("templates"));
            Files.writeString(dir.resolve("templates/hello.in_app.txt"), "title: Hello\n\nHello there.\n");
            Files.writeString(dir.resolve("live.yaml"), journey("say-hello"));
            return dir.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String journey(String stepId) {
        return """
                journey: live
                trigger: { event: Signed Up }
                steps:
                  - id: %s
                    done_when: { event: Said Hello }
                    nudge: { after: 1h, channel: in_app, template: hello }
                """.formatted(stepId);
    }

    public static class OwnJourneys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("onramp.engine.journeys-dir", DIR.toString(), "onramp.engine.reload-interval", "1s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaResource.class), new TestResourceEntry(PostgresResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /**
     * Replaces a file at once, as git and editors do: written in place, a reload could read it half-written (empty)
     * and count a failure of its own, as one CI run saw (the failure counter was not 1).
     */
    static void replace(Path file, String text) throws IOException {
        Path next = file.resolveSibling("." + file.getFileName() + ".next");
        Files.writeString(next, text);
        Files.move(
                next,
                file,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void keepsTheLastGoodVersionWhenAnEditIsBrokenAndAppliesTheFix() throws Exception {
        given().auth()
                .oauth2("test-admin-token")
                .get("/v1/journeys")
                .then()
                .body("journeys[0].id", equalTo("live"))
                .body("journeys[0].steps", equalTo(List.of("say-hello")));

        replace(DIR.resolve("live.yaml"), journey("say-hello") + "holdout: lots\n");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth()
                .oauth2("test-admin-token")
                .get("/v1/journeys")
                .then()
                .body("lastLoad.applied", equalTo(false))
                .body(
                        "lastLoad.problems",
                        hasItem(DIR.resolve("live.yaml")
                                + ":7:10: error: holdout is a percentage such as 10%, not 'lots'"))
                // The last good version still runs.
                .body("journeys[0].steps", equalTo(List.of("say-hello")))
                .body("journeys[0].version", equalTo(1)));
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body(
                        "checks.find { it.name == 'journeys' }.data.lastLoad",
                        containsString("the last good version runs"))
                .body("checks.find { it.name == 'journeys' }.data.error1", containsString("holdout is a percentage"));
        given().get("/q/metrics").then().body(containsString("onramp_journeys_reload_failures_total 1.0"));

        replace(DIR.resolve("live.yaml"), journey("wave"));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth()
                .oauth2("test-admin-token")
                .get("/v1/journeys")
                .then()
                .body("lastLoad.applied", equalTo(true))
                .body("journeys[0].steps", equalTo(List.of("wave")))
                .body("journeys[0].version", equalTo(2)));
    }
}
