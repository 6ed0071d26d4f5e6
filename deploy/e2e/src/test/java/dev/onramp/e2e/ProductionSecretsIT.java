package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.infra.FreePorts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.PostgresService;
import dev.onramp.infra.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each packaged service, started as in production (no profile), refuses to start without its secrets, or with weak
 * or published ones, and says which environment variables to set — against the real Kafka and PostgreSQL, so nothing
 * else stops it first.
 */
class ProductionSecretsIT {

    static final Path ROOT = ThreeServices.ROOT;
    static final Path LOGS = EndToEndIT.LOGS;

    /** Starts a service and returns what it said when it refused to start. */
    static String refusal(String name, String module, Map<String, String> env) {
        ServiceProcess service = new ServiceProcess(
                name,
                ServiceProcess.jarOf(ROOT, module),
                FreePorts.find(),
                env,
                LOGS.resolve(name + ".log"),
                List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"));
        try (service) {
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
                    () -> service.start().awaitReady(Duration.ofSeconds(60)));
            assertThat(thrown).as(name + " started with weak secrets").isInstanceOf(IllegalStateException.class);
            assertThat(thrown.getMessage()).contains("exited with status 1");
            return thrown.getMessage();
        }
    }

    static Map<String, String> database() {
        PostgresService postgres = Infra.postgres();
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", Infra.kafka().bootstrapServers(),
                "QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", postgres.username(),
                "QUARKUS_DATASOURCE_PASSWORD", postgres.password());
    }

    @Test
    void eventIngestRefusesAServerWriteKeyThatIsShortOrPublished() {
        String said = refusal(
                "secrets-ingest",
                "event-ingest",
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS", Infra.kafka().bootstrapServers(),
                        "ONRAMP_INGEST_SOURCES_BACKEND_WRITE_KEY", "demo-write-key",
                        "ONRAMP_INGEST_SOURCES_WEB_WRITE_KEY", "public-browser-key",
                        "ONRAMP_INGEST_SOURCES_WEB_ALLOWED_ORIGINS", "https://app.example.com",
                        "ONRAMP_INGEST_SOURCES_WEB_IDENTITY_SECRET", "short"));

        assertThat(said)
                .contains("ONRAMP_INGEST_SOURCES_BACKEND_WRITE_KEY (onramp.ingest.sources.backend.write-key) is a value"
                        + " the documentation shows")
                .contains("ONRAMP_INGEST_SOURCES_WEB_IDENTITY_SECRET (onramp.ingest.sources.web.identity-secret) is"
                        + " shorter than 32 bytes")
                .as("a browser source's write key is public: any value will do")
                .doesNotContain("ONRAMP_INGEST_SOURCES_WEB_WRITE_KEY");
    }

    @Test
    void journeyEngineRefusesToStartWithoutItsAdminToken() {
        Map<String, String> env = new HashMap<>(database());
        env.put("ONRAMP_ENGINE_JOURNEYS_DIR", EngineReliabilityIT.JOURNEYS.toString());
        env.put("ONRAMP_ENGINE_TOPICS_GROUP", "secrets-engine");

        assertThat(refusal("secrets-engine", "journey-engine/service", env))
                .contains("ONRAMP_ENGINE_ADMIN_TOKEN (onramp.engine.admin-token) is not set");

        env.put("ONRAMP_ENGINE_ADMIN_TOKEN", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assertThat(refusal("secrets-engine", "journey-engine/service", env))
                .contains("ONRAMP_ENGINE_ADMIN_TOKEN (onramp.engine.admin-token) repeats too few characters");
    }

    @Test
    void messageDispatchNamesEverySecretItLacksAtOnce() {
        Map<String, String> env = new HashMap<>(database());
        env.put(
                "ONRAMP_DISPATCH_TEMPLATES_DIR",
                EngineReliabilityIT.JOURNEYS.resolve("templates").toString());
        env.put("ONRAMP_DISPATCH_TOPICS_GROUP", "secrets-dispatch");
        env.put("ONRAMP_DISPATCH_INBOX_SECRET", "dev-inbox-secret");
        env.put("ONRAMP_DISPATCH_ADMIN_TOKEN", LocalSecrets.ADMIN_TOKEN);
        env.put("ONRAMP_DISPATCH_WEBHOOK_URL", "https://hooks.example.com/onramp");

        assertThat(refusal("secrets-dispatch", "message-dispatch/service", env))
                .contains("ONRAMP_DISPATCH_LINKS_SECRET (onramp.dispatch.links-secret) is not set")
                .contains("ONRAMP_DISPATCH_INBOX_SECRET (onramp.dispatch.inbox.secret) is a value the documentation"
                        + " shows")
                .contains("ONRAMP_DISPATCH_WEBHOOK_SECRET (onramp.dispatch.webhook.secret) is not set")
                .doesNotContain("ONRAMP_DISPATCH_ADMIN_TOKEN (")
                .doesNotContain(LocalSecrets.ADMIN_TOKEN);
    }
}
