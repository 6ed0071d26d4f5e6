package dev.onramp.e2e;

import dev.onramp.infra.Infra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Every row of every table of the services' schemas that holds any of some texts (a user's ids, their address): what
 * an erasure must leave none of. Text, JSON and array columns are searched as text, binary ones (outbox payloads) as
 * UTF-8 bytes.
 */
final class ErasureRows {

    private ErasureRows() {}

    /** {@code schema.table.column: n row(s)} for each column holding any of the texts. */
    static List<String> holding(List<String> schemas, List<String> texts) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(
                        Infra.postgres().jdbcUrl(),
                        Infra.postgres().username(),
                        Infra.postgres().password());
                PreparedStatement columns = c.prepareStatement("""
                        SELECT c.table_schema, c.table_name, c.column_name, c.data_type
                        FROM information_schema.columns c
                        JOIN information_schema.tables t
                          ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
                        WHERE c.table_schema = ANY (?)
                          AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')
                        ORDER BY 1, 2, 3""")) {
            columns.setArray(1, c.createArrayOf("text", schemas.toArray()));
            List<String[]> all = new ArrayList<>();
            try (ResultSet rs = columns.executeQuery()) {
                while (rs.next()) {
                    all.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
                }
            }
            for (String[] column : all) {
                String name = "\"" + column[0] + "\".\"" + column[1] + "\"";
                String col = "\"" + column[2] + "\"";
                String match = column[3].equals("bytea")
                        ? "position(convert_to(?, 'UTF8') in " + col + ") > 0"
                        : "strpos(" + col + "::text, ?) > 0";
                for (String text : texts) {
                    try (PreparedStatement count =
                            c.prepareStatement("SELECT count(*) FROM " + name + " WHERE " + match)) {
                        count.setString(1, text);
                        try (ResultSet rs = count.executeQuery()) {
                            rs.next();
                            long n = rs.getLong(1);
                            if (n > 0) {
                                found.add(column[0] + "." + column[1] + "." + column[2] + ": " + n + " row(s) with '"
                                        + text + "'");
                            }
                        }
                    }
                }
            }
        }
        return found;
    }
}
