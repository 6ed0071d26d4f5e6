package dev.onramp.pipeline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;

/**
 * Where consumption of each partition stands, kept in PostgreSQL ({@code consumer_offsets}) and changed only in the
 * transaction that applies the records before it: the effects of a record and the fact that it was consumed are
 * committed together, so nothing is applied twice or skipped, whatever crashes or rebalances happen.
 *
 * <p>On assignment the consumer is moved to the stored offsets ({@link SeekToStoredOffsets}). Within a transaction the partitions' rows are locked
 * first; records below the stored offset were applied by another instance (a rebalance overlapped) and are skipped;
 * a first record above it means the log has a gap there (retention, compaction, transaction markers), which is
 * logged and passed, never looped on. See ADR 0005.
 *
 * <p>Not a bean by itself: a service that consumes this way produces one over its datasource (event-ingest, which
 * has no database, depends on this module too).
 */
public class Offsets {

    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final DataSource dataSource;

    public Offsets(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The stored offsets of these partitions, read without locking. */
    public Map<TopicPartition, Long> stored(Collection<TopicPartition> partitions) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return read(c, partitions, false);
        }
    }

    /** Creates missing rows, then locks and returns the stored offsets of these partitions, in a fixed order. */
    public Map<TopicPartition, Long> lock(Connection c, Collection<TopicPartition> partitions) throws SQLException {
        List<TopicPartition> sorted = new ArrayList<>(partitions);
        sorted.sort(ORDER);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO consumer_offsets (topic, partition, next_offset)
                SELECT t, p, 0 FROM unnest(?::text[], ?::int[]) AS x(t, p) ON CONFLICT DO NOTHING""")) {
            ps.setArray(
                    1,
                    c.createArrayOf(
                            "text", sorted.stream().map(TopicPartition::topic).toArray()));
            ps.setArray(
                    2,
                    c.createArrayOf(
                            "int4",
                            sorted.stream().map(TopicPartition::partition).toArray()));
            ps.executeUpdate();
        }
        return read(c, sorted, true);
    }

    /** Moves each partition's stored offset forward to {@code next}; never back. */
    public void advance(Connection c, Map<TopicPartition, Long> next) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE consumer_offsets SET next_offset = GREATEST(next_offset, ?) WHERE topic = ? AND partition = ?""")) {
            for (var entry : next.entrySet()) {
                ps.setLong(1, entry.getValue());
                ps.setString(2, entry.getKey().topic());
                ps.setInt(3, entry.getKey().partition());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static Map<TopicPartition, Long> read(Connection c, Collection<TopicPartition> partitions, boolean lock)
            throws SQLException {
        Map<TopicPartition, Long> stored = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT topic, partition, next_offset FROM consumer_offsets
                WHERE (topic, partition) IN (SELECT * FROM unnest(?::text[], ?::int[]))
                ORDER BY topic, partition""" + (lock ? " FOR UPDATE" : ""))) {
            ps.setArray(
                    1,
                    c.createArrayOf(
                            "text",
                            partitions.stream().map(TopicPartition::topic).toArray()));
            ps.setArray(
                    2,
                    c.createArrayOf(
                            "int4",
                            partitions.stream().map(TopicPartition::partition).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        }
        return stored;
    }
}
