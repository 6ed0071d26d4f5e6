package dev.onramp.e2e;

import dev.onramp.infra.Infra;
import dev.onramp.infra.PostgresService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the services stored for one test run (users whose ids start with the run's prefix), read from PostgreSQL: the
 * shared one of the end-to-end tests, or a test's own ({@link #in}).
 */
final class Rows {

    private final PostgresService postgres;

    private Rows(PostgresService postgres) {
        this.postgres = postgres;
    }

    /** The rows of this PostgreSQL. */
    static Rows in(PostgresService postgres) {
        return new Rows(postgres);
    }

    /** The number a {@code SELECT count(*) ... WHERE user_id LIKE ?} returns for the run, in the shared PostgreSQL. */
    static long count(String sql, String run) throws SQLException {
        return in(Infra.postgres()).countOf(sql, run);
    }

    /** Key to number, from a {@code SELECT key, count(*) ... WHERE user_id LIKE ? GROUP BY key}, in the shared one. */
    static <K> Map<K, Long> grouped(String sql, String run, Class<K> key) throws SQLException {
        return in(Infra.postgres()).groupedBy(sql, run, key);
    }

    /** The datasource variables a service needs to use a PostgreSQL. */
    static Map<String, String> datasource(PostgresService postgres) {
        return Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", postgres.username(),
                "QUARKUS_DATASOURCE_PASSWORD", postgres.password());
    }

    /** The number a {@code SELECT count(*) ... WHERE user_id LIKE ?} returns for the run. */
    long countOf(String sql, String run) throws SQLException {
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
    <K> Map<K, Long> groupedBy(String sql, String run, Class<K> key) throws SQLException {
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

    /** The first column of every row a query with one text parameter returns, in order, in the shared PostgreSQL. */
    static List<String> column(String sql, String parameter) throws SQLException {
        Rows rows = in(Infra.postgres());
        List<String> result = new ArrayList<>();
        try (Connection c = rows.connect();
                var ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(rs.getString(1));
                }
            }
        }
        return result;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }
}
