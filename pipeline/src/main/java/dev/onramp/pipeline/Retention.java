package dev.onramp.pipeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Deletes rows older than their table's retention, a bounded number per statement, each statement its own short
 * transaction, so a purge of months of history never holds locks long or fills the WAL at once. A service lists its
 * {@link Rule}s, then starts and stops the purge with itself; between purges that found nothing more, it waits
 * {@code interval}.
 */
public final class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class);

    /**
     * Rows of {@code table} whose {@code timeColumn} is older than {@code keep} go, when {@code condition} (SQL, may be
     * empty) holds for them too. A zero {@code keep} keeps everything.
     */
    public record Rule(String table, String timeColumn, String condition, Duration keep) {}

    private final DataSource dataSource;
    private final InstantSource clock;
    private final List<Rule> rules;
    private final int perStatement;
    private final Loop loop;

    public Retention(
            DataSource dataSource,
            InstantSource clock,
            List<Rule> rules,
            int perStatement,
            Duration interval,
            Stalls stalls) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.rules = rules.stream().filter(r -> !r.keep().isZero()).toList();
        this.perStatement = perStatement;
        this.loop = new Loop("the retention purge", interval, stalls, this::purgeOnce);
    }

    /** Starts purging, unless every table keeps its rows forever. */
    public void start() {
        if (!rules.isEmpty()) {
            loop.start();
        }
    }

    public void stop() {
        loop.stop(Duration.ofSeconds(5));
    }

    /** One statement per table; {@link Loop.Next#AGAIN} while some table had more to delete than one statement took. */
    public Loop.Next purgeOnce() throws SQLException {
        boolean more = false;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            for (Rule rule : rules) {
                String where = rule.timeColumn() + " < ?"
                        + (rule.condition().isBlank() ? "" : " AND (" + rule.condition() + ")");
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + rule.table()
                        + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + rule.table() + " WHERE " + where
                        + " LIMIT ?))")) {
                    ps.setObject(1, OffsetDateTime.ofInstant(clock.instant().minus(rule.keep()), ZoneOffset.UTC));
                    ps.setInt(2, perStatement);
                    int deleted = ps.executeUpdate();
                    if (deleted > 0) {
                        LOG.debugf(
                                "retention: %d row(s) of %s older than %s deleted", deleted, rule.table(), rule.keep());
                    }
                    more |= deleted >= perStatement;
                }
            }
        }
        return more ? Loop.Next.AGAIN : Loop.Next.IDLE;
    }
}
