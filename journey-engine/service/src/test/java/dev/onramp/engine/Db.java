package dev.onramp.engine;

import dev.onramp.infra.Infra;
import dev.onramp.infra.PostgresService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/** The tests' own connection to the engine's PostgreSQL, for looking at (or setting up) what the service stored. */
final class Db {

    private Db() {}

    static Connection connect() throws Exception {
        PostgresService postgres = Infra.postgres();
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }

    /** The single number a {@code SELECT count(*) ...} with these text parameters answers. */
    static long count(String sql, String... parameters) throws Exception {
        try (Connection c = connect();
                var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
