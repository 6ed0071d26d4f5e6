package dev.onramp.engine.conversation;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What users said, step by step: how many conversations each step of a journey prompted in a period (opened then),
 * how many are still open, and their most frequent tags — the step that confuses users, found from what they wrote.
 */
@ApplicationScoped
public class StepTalk {

    /** The tags a step's row shows at most. */
    static final int TOP = 3;

    private final DataSource dataSource;

    StepTalk(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public record Tag(String tag, long conversations) {}

    public record Row(String step, long conversations, long open, List<Tag> top) {}

    /** The steps with at least one conversation opened in [from, to), most conversations first. */
    public List<Row> of(String journey, Instant from, Instant to) throws SQLException {
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, List<Tag>> tags = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT step, count(*), count(*) FILTER (WHERE status = 'open')
                    FROM conversations
                    WHERE journey = ? AND step IS NOT NULL AND opened_at >= ? AND opened_at < ?
                    GROUP BY step ORDER BY count(*) DESC, step""")) {
                bind(ps, journey, from, to);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        counts.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT step, tag, count(*)
                    FROM conversations, unnest(tags) AS tag
                    WHERE journey = ? AND step IS NOT NULL AND opened_at >= ? AND opened_at < ?
                    GROUP BY step, tag ORDER BY step, count(*) DESC, tag""")) {
                bind(ps, journey, from, to);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<Tag> top = tags.computeIfAbsent(rs.getString(1), s -> new ArrayList<>());
                        if (top.size() < TOP) {
                            top.add(new Tag(rs.getString(2), rs.getLong(3)));
                        }
                    }
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        counts.forEach((step, n) -> rows.add(new Row(step, n[0], n[1], tags.getOrDefault(step, List.of()))));
        return rows;
    }

    private static void bind(PreparedStatement ps, String journey, Instant from, Instant to) throws SQLException {
        ps.setString(1, journey);
        ps.setTimestamp(2, Timestamp.from(from));
        ps.setTimestamp(3, Timestamp.from(to));
    }
}
