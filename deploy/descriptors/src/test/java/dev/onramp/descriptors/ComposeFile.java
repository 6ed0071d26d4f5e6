package dev.onramp.descriptors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Docker Compose file as Compose reads it (YAML, with {@code ${VAR}} interpolation from {@code .env}), and the checks
 * of it that need no Docker engine. Each check returns every problem found.
 */
record ComposeFile(String text, JsonNode tree, Path dir) {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** {@code ${NAME}}, {@code ${NAME:?message}}, {@code ${NAME:-default}}, or a bare {@code $NAME}; not {@code $$}. */
    private static final Pattern INTERPOLATION =
            Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)}|([A-Za-z_][A-Za-z0-9_]*))");

    /** Variables whose value is a secret, by name. */
    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|TOKEN|_KEY)(_PREVIOUS)?$");

    static ComposeFile read(Path file) {
        try {
            return parse(Files.readString(file), file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static ComposeFile parse(String text, Path dir) {
        try {
            return new ComposeFile(text, YAML.readTree(text), dir);
        } catch (IOException e) {
            throw new AssertionError("not valid YAML: " + e.getMessage(), e);
        }
    }

    /** Each variable interpolated, with what follows its name (":?message", ":-default"...). */
    Map<String, String> interpolations() {
        Map<String, String> found = new java.util.LinkedHashMap<>();
        Matcher m = INTERPOLATION.matcher(text.replace("$$", ""));
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(3);
            found.put(name, m.group(1) != null ? m.group(2) : "");
        }
        return found;
    }

    /** Every variable is one the .env file defines, and required: a missing one stops Compose with a message. */
    List<String> interpolationsDefinedBy(Set<String> envFile) {
        List<String> problems = new ArrayList<>();
        interpolations().forEach((name, rest) -> {
            if (!envFile.contains(name)) {
                problems.add("${" + name + "} is not defined by the .env file new-env writes");
            }
            if (!rest.startsWith(":?")) {
                problems.add("${" + name + rest + "} does not stop Compose when it is unset (use ${" + name
                        + ":?run ./new-env first})");
            }
        });
        return problems;
    }

    /** No secret is written in the file: every secret-named variable of a service comes from .env. */
    List<String> secretsOnlyFromEnvFile() {
        List<String> problems = new ArrayList<>();
        services()
                .forEach(
                        (service, spec) -> spec.path("environment").properties().forEach(e -> {
                            if (SECRET_NAME.matcher(e.getKey()).matches()
                                    && !e.getValue().asText().matches("\\$\\{[A-Za-z_][A-Za-z0-9_]*:\\?[^}]*}")) {
                                problems.add(service + " sets " + e.getKey() + " in the file instead of from .env");
                            }
                        }));
        return problems;
    }

    /** Each dependency is a service of the file, waited for until healthy, which it can only be with a healthcheck. */
    List<String> dependencies() {
        List<String> problems = new ArrayList<>();
        Map<String, JsonNode> services = services();
        services.forEach((service, spec) -> {
            JsonNode dependsOn = spec.path("depends_on");
            if (dependsOn.isArray()) {
                problems.add(service + " depends_on is a list: use the long form with condition: service_healthy");
                return;
            }
            dependsOn.properties().forEach(d -> {
                if (!services.containsKey(d.getKey())) {
                    problems.add(service + " depends on " + d.getKey() + ", which is not a service");
                } else if (!"service_healthy"
                        .equals(d.getValue().path("condition").asText())) {
                    problems.add(service + " does not wait for " + d.getKey() + " to be healthy");
                } else if (services.get(d.getKey()).path("healthcheck").isMissingNode()) {
                    problems.add(service + " waits for " + d.getKey() + " to be healthy, which has no healthcheck");
                }
            });
        });
        return problems;
    }

    /** Every service says when it is healthy. */
    List<String> healthchecks() {
        List<String> problems = new ArrayList<>();
        services().forEach((service, spec) -> {
            JsonNode test = spec.path("healthcheck").path("test");
            if (!test.isArray() || test.isEmpty() || !test.get(0).asText().equals("CMD")) {
                problems.add(service + " has no healthcheck test in exec form ([\"CMD\", ...])");
            }
        });
        return problems;
    }

    /** Build contexts, their Dockerfiles and bind-mounted folders exist; named volumes are declared. */
    List<String> pathsExist() {
        List<String> problems = new ArrayList<>();
        Set<String> volumes = new LinkedHashSet<>();
        tree.path("volumes").fieldNames().forEachRemaining(volumes::add);
        services().forEach((service, spec) -> {
            JsonNode build = spec.path("build");
            if (!build.isMissingNode()) {
                Path context = dir.resolve(build.path("context").asText()).normalize();
                Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"));
                if (!Files.isDirectory(context)) {
                    problems.add(service + " builds in " + context + ", which does not exist");
                } else if (!Files.isRegularFile(dockerfile)) {
                    problems.add(service + " builds with " + dockerfile + ", which does not exist");
                }
            }
            for (JsonNode mount : spec.path("volumes")) {
                String source = mount.isTextual()
                        ? mount.asText().split(":")[0]
                        : mount.path("source").asText();
                if (source.startsWith(".") || source.startsWith("/")) {
                    if (!Files.exists(dir.resolve(source))) {
                        problems.add(service + " mounts " + source + ", which does not exist");
                    }
                } else if (!volumes.contains(source)) {
                    problems.add(service + " mounts volume " + source + ", which is not declared under volumes:");
                }
            }
        });
        return problems;
    }

    /** Published ports are reachable from this machine only. */
    List<String> portsOnLoopback() {
        List<String> problems = new ArrayList<>();
        services().forEach((service, spec) -> {
            for (JsonNode port : spec.path("ports")) {
                boolean loopback = port.isTextual()
                        ? port.asText().startsWith("127.0.0.1:")
                        : "127.0.0.1".equals(port.path("host_ip").asText());
                if (!loopback) {
                    problems.add(service + " publishes " + port + " beyond 127.0.0.1");
                }
            }
        });
        return problems;
    }

    Map<String, JsonNode> services() {
        Map<String, JsonNode> services = new java.util.LinkedHashMap<>();
        tree.path("services").properties().forEach(e -> services.put(e.getKey(), e.getValue()));
        return services;
    }
}
