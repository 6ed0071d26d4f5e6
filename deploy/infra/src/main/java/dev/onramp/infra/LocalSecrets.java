package dev.onramp.infra;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Secrets for the services that tests and benchmarks start: strong enough for the production profile's check at start
 * (32 bytes or more, not a value the docs show), and fixed, so a test can compute a user hash or call an admin API. They
 * are published here, so nothing but a test may use them; the local stack generates its own.
 */
public final class LocalSecrets {

    private LocalSecrets() {}

    public static final String ADMIN_TOKEN = "local-test-admin-token.0f3c9a7e51b24d8e9c6a2f7b3d1e5a90";
    public static final String INBOX_SECRET = "local-test-inbox-secret.8d2e6b1f4a9c3e7d0b5f2a8c6e1d4b73";
    public static final String LINKS_SECRET = "local-test-links-secret.3b7f1d9e5c2a8f4e6d0c3b9a7e5f1d28";

    /** The write key of a test source. */
    public static String writeKey(String source) {
        return source + "-test-write-key.5e9a3c7f1b8d2e6a4c0f9b3d7e1a5c82";
    }

    /** event-ingest with one source of this name, then {@code env} (which wins). */
    public static Map<String, String> ingest(String source, Map<String, String> env) {
        return with(
                Map.of(
                        "ONRAMP_INGEST_SOURCES_"
                                + source.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_WRITE_KEY",
                        writeKey(source)),
                env);
    }

    /** journey-engine's secrets, then {@code env} (which wins). */
    public static Map<String, String> engine(Map<String, String> env) {
        return with(Map.of("ONRAMP_ENGINE_ADMIN_TOKEN", ADMIN_TOKEN), env);
    }

    /** message-dispatch's secrets, then {@code env} (which wins). */
    public static Map<String, String> dispatch(Map<String, String> env) {
        return with(
                Map.of(
                        "ONRAMP_DISPATCH_ADMIN_TOKEN", ADMIN_TOKEN,
                        "ONRAMP_DISPATCH_INBOX_SECRET", INBOX_SECRET,
                        "ONRAMP_DISPATCH_LINKS_SECRET", LINKS_SECRET),
                env);
    }

    private static Map<String, String> with(Map<String, String> secrets, Map<String, String> env) {
        Map<String, String> all = new LinkedHashMap<>(secrets);
        all.putAll(env);
        return all;
    }
}
