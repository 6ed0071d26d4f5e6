package dev.onramp.infra.quarkus;

import dev.onramp.infra.Infra;
import dev.onramp.infra.PostgresService;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real PostgreSQL server for a {@code @QuarkusTest}, shared by every test of the JVM. */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        PostgresService postgres = Infra.postgres();
        return Map.of(
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl(),
                "quarkus.datasource.username", postgres.username(),
                "quarkus.datasource.password", postgres.password(),
                "quarkus.datasource.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        // Shared by the whole JVM; Infra stops it at exit.
    }
}
