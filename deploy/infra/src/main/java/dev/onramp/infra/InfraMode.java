package dev.onramp.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.testcontainers.DockerClientFactory;

/**
 * How the real infrastructure is provided: as embedded processes started from Java (no Docker needed), or as
 * containers through Testcontainers where a Docker engine exists.
 *
 * <p>Chosen by the system property {@value #PROPERTY} or the environment variable {@value #ENV}: {@code embedded},
 * {@code containers} or {@code auto} (the default: containers when a Docker engine answers, embedded otherwise).
 */
public enum InfraMode {
    EMBEDDED,
    CONTAINERS;

    public static final String PROPERTY = "onramp.infra";
    public static final String ENV = "ONRAMP_INFRA";

    public static InfraMode current() {
        String value = System.getProperty(PROPERTY, System.getenv().getOrDefault(ENV, "auto"));
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "embedded" -> EMBEDDED;
            case "containers" -> CONTAINERS;
            case "auto", "" -> dockerEngineAnswers() ? CONTAINERS : EMBEDDED;
            default ->
                throw new IllegalArgumentException(
                        PROPERTY + " (or " + ENV + ") must be embedded, containers or auto, not '" + value + "'");
        };
    }

    /**
     * Looks for a Docker endpoint before asking Testcontainers: on a machine with only the Docker client, asking
     * Testcontainers costs seconds of retries and a screen of stack traces.
     */
    static boolean dockerEngineAnswers() {
        boolean endpoint = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
        if (!endpoint) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
