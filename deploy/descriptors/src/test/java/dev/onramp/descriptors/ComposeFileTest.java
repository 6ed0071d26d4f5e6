package dev.onramp.descriptors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/compose: the Compose file read as Compose reads it, its secrets script run for real, and everything the file
 * names checked to exist. (Compose itself cannot run here: these machines have no Docker engine.)
 */
class ComposeFileTest {

    private static final Path DIR = Repo.path("deploy/compose");

    private final ComposeFile compose = ComposeFile.read(DIR.resolve("compose.yaml"));

    @TempDir
    Path tmp;

    @Test
    void newEnvWritesStrongRandomSecretsReadableByItsOwnerOnly() throws Exception {
        // Given no .env yet
        Path env = tmp.resolve(".env");

        // When new-env writes one
        Run run = newEnv(Map.of(), "--output", env.toString());

        // Then it holds a long random value per secret, readable by its owner only, and printed nowhere
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(Files.getPosixFilePermissions(env)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Map<String, String> values = read(env);
        assertThat(values)
                .containsOnlyKeys(
                        "POSTGRES_PASSWORD",
                        "ONRAMP_INGEST_WRITE_KEY",
                        "ONRAMP_ENGINE_ADMIN_TOKEN",
                        "ONRAMP_DISPATCH_ADMIN_TOKEN",
                        "ONRAMP_DISPATCH_INBOX_SECRET",
                        "ONRAMP_DISPATCH_LINKS_SECRET");
        assertThat(values.values())
                .allSatisfy(v -> assertThat(v).hasSizeGreaterThanOrEqualTo(32).matches("[0-9a-f]+"))
                .doesNotHaveDuplicates();
        values.values().forEach(v -> assertThat(run.output()).doesNotContain(v));
        assertThat(run.output()).contains("ONRAMP_INGEST_WRITE_KEY", "0600");
    }

    @Test
    void newEnvRefusesToReplaceSecretsAlreadyMade() throws Exception {
        // Given a .env made by an earlier run (ONRAMP_ENV_FILE names it this time)
        Path env = tmp.resolve("made-before.env");
        assertThat(newEnv(Map.of("ONRAMP_ENV_FILE", env.toString())).exit()).isZero();
        String before = Files.readString(env);

        // When it runs again
        Run again = newEnv(Map.of("ONRAMP_ENV_FILE", env.toString()));

        // Then it fails, saying so, and the secrets are unchanged
        assertThat(again.exit()).isNotZero();
        assertThat(again.output()).contains("already exists");
        assertThat(Files.readString(env)).isEqualTo(before);
        assertThat(Files.getPosixFilePermissions(env))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void everyVariableTheFileUsesIsARequiredOneThatNewEnvDefines() throws Exception {
        Path env = tmp.resolve(".env");
        assertThat(newEnv(Map.of(), "--output", env.toString()).exit()).isZero();

        assertThat(compose.interpolations()).isNotEmpty();
        assertThat(compose.interpolationsDefinedBy(read(env).keySet())).isEmpty();
        assertThat(compose.secretsOnlyFromEnvFile()).isEmpty();
    }

    @Test
    void aSecretWrittenInTheFileOrAVariableNewEnvDoesNotMakeIsReported() {
        ComposeFile broken = ComposeFile.parse("""
                services:
                  app:
                    environment:
                      ONRAMP_ENGINE_ADMIN_TOKEN: hunter2hunter2
                      DB_PASSWORD: ${DB_PASSWORD}
                      PATH_ESCAPED: $$HOME
                """, DIR);

        assertThat(broken.secretsOnlyFromEnvFile())
                .containsExactly(
                        "app sets ONRAMP_ENGINE_ADMIN_TOKEN in the file instead of from .env",
                        "app sets DB_PASSWORD in the file instead of from .env");
        assertThat(broken.interpolationsDefinedBy(Set.of()))
                .containsExactly(
                        "${DB_PASSWORD} is not defined by the .env file new-env writes",
                        "${DB_PASSWORD} does not stop Compose when it is unset (use ${DB_PASSWORD:?run ./new-env"
                                + " first})");
    }

    @Test
    void servicesStartOnceWhatTheyNeedIsHealthyAndEachSaysWhenItIs() {
        assertThat(compose.services())
                .containsOnlyKeys("kafka", "postgres", "mailpit", "event-ingest", "journey-engine", "message-dispatch");
        assertThat(compose.dependencies()).isEmpty();
        assertThat(compose.healthchecks()).isEmpty();
        assertThat(compose.services().get("message-dispatch").path("depends_on").properties())
                .extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrder("kafka", "postgres", "mailpit");
    }

    @Test
    void aDependencyOnAnUnknownOrUncheckedServiceIsReported() {
        ComposeFile broken = ComposeFile.parse("""
                services:
                  db:
                    image: postgres:17
                  app:
                    depends_on:
                      db: {condition: service_healthy}
                      cache: {condition: service_healthy}
                    healthcheck: {test: ["CMD", "true"]}
                """, DIR);

        assertThat(broken.dependencies())
                .containsExactly(
                        "app waits for db to be healthy, which has no healthcheck",
                        "app depends on cache, which is not a service");
        assertThat(broken.healthchecks()).containsExactly("db has no healthcheck test in exec form ([\"CMD\", ...])");
    }

    @Test
    void theImagesAreBuiltFromTheServicesDockerfilesAndTheJourneysMountedReadOnly() {
        assertThat(compose.pathsExist()).isEmpty();
        for (String service : List.of("event-ingest", "journey-engine", "message-dispatch")) {
            assertThat(compose.services().get(service).path("image").asText()).startsWith("onramp/" + service + ":");
            assertThat(compose.services()
                            .get(service)
                            .path("build")
                            .path("dockerfile")
                            .asText())
                    .isEqualTo("src/main/docker/Dockerfile.jvm");
        }
        for (String service : List.of("journey-engine", "message-dispatch")) {
            assertThat(compose.services().get(service).path("volumes").get(0).asText())
                    .isEqualTo("../journeys:/journeys:ro");
        }
        assertThat(compose.services()
                        .get("journey-engine")
                        .path("environment")
                        .path("ONRAMP_ENGINE_JOURNEYS_DIR")
                        .asText())
                .isEqualTo("/journeys");
        assertThat(compose.services()
                        .get("message-dispatch")
                        .path("environment")
                        .path("ONRAMP_DISPATCH_TEMPLATES_DIR")
                        .asText())
                .isEqualTo("/journeys/templates");
    }

    @Test
    void aMissingBuildContextOrMountIsReported() {
        ComposeFile broken = ComposeFile.parse("""
                services:
                  app:
                    build: {context: ../../no-such-module, dockerfile: Dockerfile}
                    volumes:
                      - ../no-such-folder:/data:ro
                      - undeclared:/var/lib/data
                """, DIR);

        assertThat(broken.pathsExist())
                .hasSize(3)
                .anySatisfy(p -> assertThat(p).contains("no-such-module", "does not exist"))
                .anySatisfy(p -> assertThat(p).isEqualTo("app mounts ../no-such-folder, which does not exist"))
                .anySatisfy(p ->
                        assertThat(p).isEqualTo("app mounts volume undeclared, which is not declared under volumes:"));
    }

    @Test
    void portsArePublishedOnThisMachineOnly() {
        assertThat(compose.portsOnLoopback()).isEmpty();
        assertThat(compose.services().get("event-ingest").path("ports").get(0).asText())
                .isEqualTo("127.0.0.1:8081:8081");

        ComposeFile open = ComposeFile.parse("""
                services:
                  app:
                    ports: ["8081:8081", {target: 8025, published: 8025}]
                """, DIR);
        assertThat(open.portsOnLoopback()).hasSize(2);
    }

    @Test
    void dispatchSendsToTheMailCatcherWithoutTlsAndIsReachableFromLocalPages() {
        var env = compose.services().get("message-dispatch").path("environment");

        assertThat(env.path("QUARKUS_MAILER_HOST").asText()).isEqualTo("mailpit");
        assertThat(env.path("QUARKUS_MAILER_PORT").asText()).isEqualTo("1025");
        assertThat(env.path("QUARKUS_MAILER_START_TLS").asText()).isEqualTo("OPTIONAL");
        assertThat(compose.text()).contains("Remove this line when");
        assertThat(env.path("ONRAMP_DISPATCH_CORS_ORIGINS").asText()).startsWith("http://localhost");
        assertThat(env.path("ONRAMP_DISPATCH_PUBLIC_URL").asText()).isEqualTo("http://localhost:8083");
        assertThat(env.path("ONRAMP_DISPATCH_APP_URL").asText()).startsWith("http://localhost");
    }

    private record Run(int exit, String output) {}

    private Run newEnv(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command =
                new java.util.ArrayList<>(List.of("bash", DIR.resolve("new-env").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("ONRAMP_ENV_FILE");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), output);
    }

    private static Map<String, String> read(Path env) throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(env)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }
}
