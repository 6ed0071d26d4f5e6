package dev.onramp.descriptors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.onramp.descriptors.Dockerfile.Instruction;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The services' images, checked from their Dockerfile.jvm. If Docker could build here we would build them; these
 * machines have no Docker daemon (the docker CLI exists, nothing answers it), so this reads each Dockerfile as
 * Docker's parser would, checks what it says against the service it packages, and runs its HEALTHCHECK command in a
 * real bash against a real HTTP server.
 */
class DockerfilesTest {

    /** What Quarkus' fast-jar packaging puts in target/quarkus-app, and what its images copy, in this order. */
    private static final List<String> QUARKUS_APP = List.of(
            "target/quarkus-app/lib/",
            "target/quarkus-app/*.jar",
            "target/quarkus-app/app/",
            "target/quarkus-app/quarkus/");

    record Image(String service, String module) {
        Path dir() {
            return Repo.path(module);
        }

        Dockerfile dockerfile() throws IOException {
            return Dockerfile.parse(Files.readString(dir().resolve("src/main/docker/Dockerfile.jvm")));
        }

        String httpPort() throws IOException {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(dir().resolve("src/main/resources/application.properties"))) {
                p.load(in);
            }
            return p.getProperty("quarkus.http.port");
        }

        @Override
        public String toString() {
            return service;
        }
    }

    static Stream<Image> images() {
        return Stream.of(
                new Image("event-ingest", "event-ingest"),
                new Image("journey-engine", "journey-engine/service"),
                new Image("message-dispatch", "message-dispatch/service"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void readsAsInstructionsDockerKnows(Image image) throws IOException {
        Dockerfile dockerfile = image.dockerfile();

        assertThat(dockerfile.problems()).isEmpty();
        assertThat(dockerfile.instructions()).extracting(Instruction::keyword).contains("FROM", "ENTRYPOINT");
    }

    @Test
    void aMisspeltInstructionAndAnUnfinishedLineAreReported() {
        Dockerfile broken = Dockerfile.parse("""
                # a comment
                FORM registry.access.redhat.com/ubi9/openjdk-21-runtime:1.24
                COPY target/quarkus-app/lib/ \\
                  # a comment inside a continued instruction is dropped, as Docker does
                  /deployments/lib/
                USER
                EXPOSE 8081 \\
                """);

        assertThat(broken.problems())
                .containsExactly(
                        "line 2: unknown instruction FORM",
                        "line 6: USER without arguments",
                        "line 7: the last instruction continues past the end of the file",
                        "the first instruction is not FROM (only ARG may precede it)");
        assertThat(broken.all("COPY").getFirst().operands())
                .containsExactly("target/quarkus-app/lib/", "/deployments/lib/");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void runsAsANumericNonRootUser(Image image) throws IOException {
        // Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
        assertThat(image.dockerfile().runtimeUser()).matches("[0-9]+").isNotEqualTo("0");
        assertThat(Dockerfile.parse("FROM scratch\nENTRYPOINT [\"/app\"]\nUSER 185\n")
                        .runtimeUser())
                .isEqualTo("root");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void exposesTheServicesHttpPortAndTheMetricsPort(Image image) throws IOException {
        List<String> exposed = image.dockerfile().all("EXPOSE").stream()
                .flatMap(i -> i.operands().stream())
                .toList();

        assertThat(image.httpPort()).isNotBlank();
        assertThat(exposed).containsExactlyInAnyOrder(image.httpPort(), "9000");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void copiesQuarkusFastJarLayoutOwnedByTheRuntimeUser(Image image) throws IOException {
        Dockerfile dockerfile = image.dockerfile();
        List<Instruction> copies = dockerfile.all("COPY");

        assertThat(copies).extracting(c -> c.operands().getFirst()).containsExactlyElementsOf(QUARKUS_APP);
        assertThat(copies)
                .allSatisfy(c -> assertThat(c.option("chown")).contains(dockerfile.runtimeUser()))
                .allSatisfy(c -> assertThat(c.operands().getLast()).startsWith("/deployments/"));
        assertThat(dockerfile.env("JAVA_APP_JAR")).contains("/deployments/quarkus-run.jar");
        // When the service has been packaged (as in a full build, where this module comes last), each source must
        // match what Quarkus actually wrote.
        Path packaged = image.dir().resolve("target/quarkus-app");
        if (Files.isDirectory(packaged)) {
            for (String source : QUARKUS_APP) {
                assertThat(matches(image.dir(), source))
                        .as(source + " in " + packaged)
                        .isNotEmpty();
            }
        }
    }

    @Test
    void engineAndDispatchReadTheJourneysWhereComposeMountsThem() throws IOException {
        assertThat(new Image("journey-engine", "journey-engine/service")
                        .dockerfile()
                        .env("ONRAMP_ENGINE_JOURNEYS_DIR"))
                .contains("/journeys");
        assertThat(new Image("message-dispatch", "message-dispatch/service")
                        .dockerfile()
                        .env("ONRAMP_DISPATCH_TEMPLATES_DIR"))
                .contains("/journeys/templates");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void healthcheckPassesOnlyWhileTheServiceIsReady(Image image) throws Exception {
        // Given the image's HEALTHCHECK command, and a server answering /q/health/ready as the service would
        List<Instruction> checks = image.dockerfile().all("HEALTHCHECK");
        assertThat(checks).hasSize(1);
        String arguments = checks.getFirst().arguments();
        assertThat(arguments).contains("--interval=", "--timeout=", "--start-period=", "--retries=", " CMD [");
        List<String> command = new ObjectMapper()
                .readValue(arguments.substring(arguments.indexOf('[')), new TypeReference<List<String>>() {});
        assertThat(command.getFirst()).isEqualTo("bash");
        assertThat(String.join(" ", command)).contains("${QUARKUS_HTTP_PORT:-" + image.httpPort() + "}");
        AtomicInteger status = new AtomicInteger(200);
        List<String> paths = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String port = Integer.toString(server.getAddress().getPort());

            // When it runs while the service is ready, then while it is not
            int ready = run(command, port);
            status.set(503);
            int notReady = run(command, port);

            // Then it passes, then fails, having asked the readiness endpoint
            assertThat(ready).isZero();
            assertThat(notReady).isNotZero();
            assertThat(paths).containsOnly("/q/health/ready").hasSize(2);
        } finally {
            server.stop(0);
        }
        // And nothing listening fails it too
        assertThat(run(command, "1")).isNotZero();
    }

    private static int run(List<String> command, String port) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("QUARKUS_HTTP_PORT", port);
        Process process = builder.start();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(10, TimeUnit.SECONDS))
                .as("the healthcheck finishes")
                .isTrue();
        return process.exitValue();
    }

    private static List<Path> matches(Path dir, String glob) throws IOException {
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob.replaceAll("/$", ""));
        List<Path> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir.resolve("target/quarkus-app"), 1)) {
            files.map(dir::relativize).filter(matcher::matches).forEach(found::add);
        }
        return found;
    }
}
