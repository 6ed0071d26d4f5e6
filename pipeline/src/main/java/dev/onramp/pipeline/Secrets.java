package dev.onramp.pipeline;

import io.quarkus.runtime.LaunchMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The rule each secret of a service meets outside dev and test (docs/security.md): set, at least 32 bytes, not a
 * value the docs or the dev and test profiles show, not a few characters repeated. A service missing one refuses to
 * start and names the environment variable, rather than running with links that break at the next restart, unsigned
 * webhooks or a key everyone knows. Each service lists what it needs in its {@code StartupSecrets}.
 */
public final class Secrets {

    public static final int MIN_BYTES = 32;

    /** Values that appear in the docs, the examples and the dev and test profiles: everyone knows them. */
    private static final Set<String> PUBLISHED = Set.of(
            "changeme",
            "change-me",
            "secret",
            "password",
            "dev-admin-token",
            "dev-inbox-secret",
            "dev-links-secret",
            "test-admin-token",
            "test-inbox-secret",
            "test-links-secret",
            "test-webhook-secret",
            "dev-write-key",
            "test-write-key",
            "demo-write-key",
            "local-admin-token",
            "local-inbox-secret",
            "local-links-secret");

    private final List<String> problems = new ArrayList<>();

    /** Whether this start must meet the rule: everywhere but dev mode and tests. */
    public static boolean enforced() {
        return !LaunchMode.current().isDevOrTest();
    }

    /** Why {@code value} cannot be a secret; empty when it can. */
    public static Optional<String> weakness(String value) {
        if (value == null || value.isBlank()) {
            return Optional.of("is not set");
        }
        String lower = value.strip().toLowerCase(Locale.ROOT);
        if (PUBLISHED.contains(lower) || lower.contains("change-me") || lower.contains("changeme")) {
            return Optional.of("is a value the documentation shows");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length < MIN_BYTES) {
            return Optional.of("is shorter than " + MIN_BYTES + " bytes");
        }
        if (value.chars().distinct().count() < 8) {
            return Optional.of("repeats too few characters to be random");
        }
        return Optional.empty();
    }

    /** The environment variable that sets a property. */
    public static String variable(String property) {
        return property.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** A secret this start needs. */
    public Secrets require(String property, Optional<String> value) {
        weakness(value.orElse(null)).ifPresent(w -> problems.add(variable(property) + " (" + property + ") " + w));
        return this;
    }

    /** A secret this start may have (a previous one being rotated out): when it is set, it meets the rule. */
    public Secrets optional(String property, Optional<String> value) {
        if (value.isPresent() && !value.get().isEmpty()) {
            require(property, value);
        }
        return this;
    }

    /** A value that must be set, without a rule for its form (a provider's credential). */
    public Secrets present(String property, Optional<String> value, String because) {
        if (value.isEmpty() || value.get().isBlank()) {
            problems.add(variable(property) + " (" + property + ") is not set, and " + because);
        }
        return this;
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Refuses the start when anything is wrong, naming every variable at once. */
    public void check(String service) {
        if (!problems.isEmpty()) {
            throw new IllegalStateException(service + " will not start outside dev and test without strong secrets"
                    + " (at least " + MIN_BYTES + " random bytes each, e.g. `openssl rand -base64 32`;"
                    + " see docs/security.md):\n  - " + String.join("\n  - ", problems));
        }
    }
}
