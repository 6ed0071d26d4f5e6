package dev.onramp.dispatch.inapp;

import dev.onramp.templates.Rendered;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Each user's in-app inbox in PostgreSQL. */
@ApplicationScoped
public class Inbox {

    /** A message in an inbox. */
    public record Message(
            String id,
            String title,
            String body,
            Action action,
            String journey,
            String step,
            Instant createdAt,
            Instant readAt,
            Instant clickedAt) {}

    public record Action(String label, String url) {}

    /** Stores a rendered message, once per message id. */
    public void store(
            Connection c, String messageId, String userId, String journey, String step, Rendered rendered, Instant now)
            throws SQLException {
        try (Writer writer = writer(c)) {
            writer.store(messageId, userId, journey, step, rendered, now);
            writer.flush();
        }
    }

    /** Stores messages in one batch, then tells the streams of their users. */
    public Writer writer(Connection c) throws SQLException {
        return new Writer(c, c.prepareStatement("""
                INSERT INTO inbox_messages (message_id, user_id, journey, step, title, body, action_label, action_url, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING"""));
    }

    /** In-app messages of one transaction; {@link #flush()} before committing. */
    public static final class Writer implements AutoCloseable {

        private final Connection c;
        private final PreparedStatement insert;
        private final java.util.Set<String> users = new java.util.LinkedHashSet<>();

        private Writer(Connection c, PreparedStatement insert) {
            this.c = c;
            this.insert = insert;
        }

        public void store(String messageId, String userId, String journey, String step, Rendered rendered, Instant now)
                throws SQLException {
            insert.setString(1, messageId);
            insert.setString(2, userId);
            insert.setString(3, journey);
            insert.setString(4, step);
            insert.setString(5, rendered.header("title"));
            insert.setString(6, rendered.body().strip());
            insert.setString(7, rendered.header("action"));
            insert.setString(8, rendered.header("url"));
            insert.setObject(9, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            insert.addBatch();
            users.add(userId);
        }

        public void flush() throws SQLException {
            if (users.isEmpty()) {
                return;
            }
            insert.executeBatch();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(pg_notify('" + InboxStreams.CHANNEL + "', u)) FROM unnest(?::text[]) AS u")) {
                ps.setArray(1, c.createArrayOf("text", users.toArray()));
                ps.execute();
            }
            users.clear();
        }

        @Override
        public void close() throws SQLException {
            insert.close();
        }
    }

    /** Tells every instance, when the transaction commits, that this user's inbox changed: live streams update. */
    public static void notify(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + InboxStreams.CHANNEL + "', ?)")) {
            ps.setString(1, userId);
            ps.execute();
        }
    }

    /** The user's messages that are not dismissed, newest first. */
    public List<Message> list(Connection c, String userId, int limit) throws SQLException {
        List<Message> messages = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT message_id, title, body, action_label, action_url, journey, step, created_at, read_at, clicked_at
                FROM inbox_messages WHERE user_id = ? AND dismissed_at IS NULL ORDER BY created_at DESC, message_id LIMIT ?""")) {
            ps.setString(1, userId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String label = rs.getString(4);
                    String url = rs.getString(5);
                    messages.add(new Message(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            label == null && url == null ? null : new Action(label, url),
                            rs.getString(6),
                            rs.getString(7),
                            instant(rs, 8),
                            instant(rs, 9),
                            instant(rs, 10)));
                }
            }
        }
        return messages;
    }

    public long unread(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM inbox_messages WHERE user_id = ? AND read_at IS NULL AND dismissed_at IS NULL")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** What a user did with a message. */
    public enum Interaction {
        READ("read_at", "read"),
        CLICK("clicked_at", "clicked"),
        DISMISS("dismissed_at", "dismissed");

        final String column;
        public final String status;

        Interaction(String column, String status) {
            this.column = column;
            this.status = status;
        }
    }

    /**
     * Records an interaction once; clicking also reads.
     *
     * @return the message's journey and step if this changed anything, null if it was already so or is not theirs
     */
    public String[] record(Connection c, String userId, String messageId, Interaction interaction, Instant now)
            throws SQLException {
        String extra = interaction == Interaction.CLICK ? ", read_at = COALESCE(read_at, ?)" : "";
        try (PreparedStatement ps = c.prepareStatement("UPDATE inbox_messages SET " + interaction.column + " = ?"
                + extra + " WHERE user_id = ? AND message_id = ? AND " + interaction.column
                + " IS NULL RETURNING journey, step")) {
            OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
            int i = 1;
            ps.setObject(i++, at);
            if (interaction == Interaction.CLICK) {
                ps.setObject(i++, at);
            }
            ps.setString(i++, userId);
            ps.setString(i, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
            }
        }
    }

    public boolean exists(Connection c, String userId, String messageId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT 1 FROM inbox_messages WHERE user_id = ? AND message_id = ?")) {
            ps.setString(1, userId);
            ps.setString(2, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
