package dev.onramp.e2e;

import dev.onramp.infra.Infra;
import dev.onramp.infra.PostgresService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the services stored for one test run (users whose ids start with the run's prefix), read from PostgreSQL. */
final class Rows {

    private Rows() {}

    /** The number a {@code SELECT count(*) ... WHERE user_id LIKE ?} returns for the run. */
    static long count(String sql, String run) throws SQLException {
        try (Connection c = connect();
                var ps = c.prepareStatement(sql)) {
            ps.setString(1, run + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Key to number, from a {@code SELECT key, count(*) ... WHERE user_id LIKE ? GROUP BY key} for the run. */
    static <K> Map<K, Long> grouped(String sql, String run, Class<K> key) throws SQLException {
        Map<K, Long> result = new LinkedHashMap<>();
        try (Connection c = connect();
                var ps = c.prepareStatement(sql)) {
            ps.setString(1, run + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.merge(rs.getObject(1, key), rs.getLong(2), Long::sum);
                }
            }
        }
        return result;
    }

    private static Connection connect() throws SQLException {
        PostgresService postgres = Infra.postgres();
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }
}
