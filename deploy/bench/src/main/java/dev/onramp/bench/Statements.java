package dev.onramp.bench;

import dev.onramp.infra.EmbeddedPostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Which statements took PostgreSQL's time, from {@code pg_stat_statements} (loaded by the benchmark's server, see
 * {@link EmbeddedPostgresServer#PRELOAD}): reset before a level, read after it.
 */
final class Statements {

    private final EmbeddedPostgresServer postgres;

    Statements(EmbeddedPostgresServer postgres) throws Exception {
        this.postgres = postgres;
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }
    }

    void reset() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_statements_reset()");
        }
    }

    /** The statements that took the most time since the reset, per event of the level. */
    String top(int limit, long events) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT total_exec_time, calls, rows,
                               regexp_replace(left(query, 300), '\\s+', ' ', 'g'),
                               sum(total_exec_time) OVER () AS all_time
                          FROM pg_stat_statements ORDER BY total_exec_time DESC""" + " LIMIT " + limit)) {
            boolean first = true;
            while (rs.next()) {
                if (first) {
                    out.append(String.format(
                            "  PostgreSQL: %.0f ms executing statements, %.3f ms per event; the most:",
                            rs.getDouble(5), rs.getDouble(5) / Math.max(1, events)));
                    first = false;
                }
                String query = rs.getString(4);
                out.append(String.format(
                        "%n    %6.0f ms %7d calls %8d rows  %s",
                        rs.getDouble(1),
                        rs.getLong(2),
                        rs.getLong(3),
                        query.length() > 110 ? query.substring(0, 110) + "…" : query));
            }
        }
        return out.toString();
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }
}
