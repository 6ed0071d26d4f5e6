package dev.onramp.engine.conversation;

import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.outbox.OutboxRelay;
import dev.onramp.engine.state.ConversationLog;
import dev.onramp.engine.state.StateStore;
import dev.onramp.engine.wire.Records;
import dev.onramp.journey.model.Teammate;
import dev.onramp.journey.run.Decision;
import dev.onramp.pipeline.StableIds;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The conversations as journey-engine keeps them (written by the event consumer from {@code onramp.conversations}),
 * read for the admin API and the console, and a teammate's answer: stored, logged and sent as a message request of
 * origin {@code answer}, in one transaction, so an answer is never stored without leaving or sent twice.
 */
@ApplicationScoped
public class ConversationStore {

    private final StateStore state;
    private final Records records;
    private final EngineConfig config;
    private final OutboxRelay relay;

    ConversationStore(StateStore state, Records records, EngineConfig config, OutboxRelay relay) {
        this.state = state;
        this.records = records;
        this.config = config;
        this.relay = relay;
    }

    /**
     * A conversation as it stands.
     *
     * @param messageId the message it was opened in reply to; null for feedback
     * @param route the rule of routes.yaml that routed it; null when none did
     * @param last the newest message in it
     */
    public record Conversation(
            String id,
            String userId,
            String channel,
            String messageId,
            String journey,
            String step,
            String broadcast,
            String category,
            String status,
            Instant openedAt,
            Instant updatedAt,
            String route,
            String team,
            String priority,
            String assignee,
            List<String> tags,
            List<String> destinations,
            Map<String, String> tickets,
            int messages,
            Message last) {}

    /**
     * One message of a conversation.
     *
     * @param author {@code user} for what the user wrote; a teammate's id for an answer
     */
    public record Message(String id, String author, String text, Instant at) {}

    private static final String SELECT = """
            SELECT c.id, c.user_id, c.channel, c.message_id, c.journey, c.step, c.broadcast, c.category, c.status,
                c.opened_at, c.updated_at, c.route, c.team, c.priority, c.assignee, c.tags, c.destinations,
                c.tickets::text, (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id),
                l.id, l.author, l.text, l.at
            FROM conversations c
            LEFT JOIN LATERAL (SELECT * FROM conversation_messages m WHERE m.conversation_id = c.id
                ORDER BY m.at DESC, m.id DESC LIMIT 1) l ON true
            """;

    /** The newest conversations first: those with this status ({@code open}, {@code closed}), or all. */
    public List<Conversation> list(Connection c, String status, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                SELECT + " WHERE (?::text IS NULL OR c.status = ?) ORDER BY c.updated_at DESC, c.id LIMIT ?")) {
            ps.setString(1, status);
            ps.setString(2, status);
            ps.setInt(3, limit);
            return read(ps);
        }
    }

    /** The user's conversations, newest first. */
    public List<Conversation> ofUser(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(SELECT + " WHERE c.user_id = ? ORDER BY c.updated_at DESC, c.id LIMIT 100")) {
            ps.setString(1, userId);
            return read(ps);
        }
    }

    public Optional<Conversation> find(Connection c, String id, boolean lock) throws SQLException {
        if (lock) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM conversations WHERE id = ? FOR UPDATE")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE c.id = ?")) {
            ps.setString(1, id);
            return read(ps).stream().findFirst();
        }
    }

    public List<Message> messages(Connection c, String conversationId) throws SQLException {
        List<Message> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, author, text, at FROM conversation_messages WHERE conversation_id = ? ORDER BY at, id")) {
            ps.setString(1, conversationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Message(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getTimestamp(4).toInstant()));
                }
            }
        }
        return out;
    }

    /** How an answer was taken. */
    public record Answered(Message message, boolean repeated) {}

    /**
     * A teammate's answer, in the caller's transaction with the conversation locked: stored, written in the user's
     * journey log and sent back by the channel the user wrote from. The same key again answers the first answer.
     *
     * @param key the caller's idempotency key; null for none (every call is a new answer)
     * @param traits the user's traits: what message-dispatch needs to reach them by email or SMS
     */
    public Answered answer(
            Connection c,
            Conversation conversation,
            Teammate teammate,
            String text,
            String key,
            Map<String, Object> traits,
            Instant now)
            throws SQLException {
        String id = "ans-"
                + StableIds.of(
                        conversation.id(),
                        key == null ? java.util.UUID.randomUUID().toString() : key);
        try (PreparedStatement ps =
                c.prepareStatement("SELECT id, author, text, at FROM conversation_messages WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return new Answered(
                            new Message(
                                    rs.getString(1),
                                    rs.getString(2),
                                    rs.getString(3),
                                    rs.getTimestamp(4).toInstant()),
                            true);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO conversation_messages (id, conversation_id, user_id, author, text, at)
                VALUES (?, ?, ?, ?, ?, ?)""")) {
            ps.setString(1, id);
            ps.setString(2, conversation.id());
            ps.setString(3, conversation.userId());
            ps.setString(4, teammate.id());
            ps.setString(5, text);
            ps.setTimestamp(6, Timestamp.from(now));
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE conversations SET updated_at = greatest(updated_at, ?) WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setString(2, conversation.id());
            ps.executeUpdate();
        }
        Object locale = traits.get("locale");
        byte[] request = records.answer(
                        id,
                        conversation.id(),
                        conversation.userId(),
                        conversation.channel(),
                        text,
                        teammate,
                        traits,
                        locale instanceof String l ? l : null,
                        now)
                .getBytes(StandardCharsets.UTF_8);
        state.enqueue(
                c,
                List.of(new StateStore.OutboxRecord(
                        config.topics().messageRequests(), conversation.userId(), request, Map.of())),
                now);
        state.appendDecisions(
                c,
                List.of(new Decision(
                        now,
                        conversation.userId(),
                        ConversationLog.LOG_PREFIX + conversation.id(),
                        0,
                        conversation.step(),
                        Decision.Kind.ANSWERED,
                        teammate.name() + " (" + teammate.role() + ") answered by "
                                + conversation.channel().replace('_', '-'),
                        id)));
        relay.afterCommit();
        return new Answered(new Message(id, teammate.id(), text, now), false);
    }

    /**
     * A teammate sets who owns it and its tags (by hand, over what routes.yaml decided), in the caller's transaction;
     * the change is a line on the user's timeline.
     *
     * @param assignee a teammate's id; null for nobody
     * @param by who changed it, as the line says
     */
    public void triage(
            Connection c, Conversation conversation, String assignee, List<String> tags, String by, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE conversations SET assignee = ?, tags = ?, updated_at = greatest(updated_at, ?) WHERE id = ?")) {
            ps.setString(1, assignee);
            ps.setArray(2, c.createArrayOf("text", tags.toArray()));
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setString(4, conversation.id());
            ps.executeUpdate();
        }
        List<String> changes = new ArrayList<>();
        if (!java.util.Objects.equals(assignee, conversation.assignee())) {
            changes.add(assignee == null ? "unassigned" : "assigned to " + assignee);
        }
        if (!tags.equals(conversation.tags())) {
            changes.add(tags.isEmpty() ? "tags cleared" : "tagged " + String.join(", ", tags));
        }
        if (changes.isEmpty()) {
            return;
        }
        state.appendDecisions(
                c,
                List.of(new Decision(
                        now,
                        conversation.userId(),
                        ConversationLog.LOG_PREFIX + conversation.id(),
                        0,
                        conversation.step(),
                        Decision.Kind.ROUTED,
                        String.join("; ", changes) + " by " + by,
                        null)));
    }

    /** Closes a conversation; the user writing again opens it again. */
    public void close(Connection c, String id, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE conversations SET status = 'closed', updated_at = greatest(updated_at, ?) WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    private static List<Conversation> read(PreparedStatement ps) throws SQLException {
        List<Conversation> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Message last = rs.getString(20) == null
                        ? null
                        : new Message(
                                rs.getString(20),
                                rs.getString(21),
                                rs.getString(22),
                                rs.getTimestamp(23).toInstant());
                out.add(new Conversation(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getString(9),
                        rs.getTimestamp(10).toInstant(),
                        rs.getTimestamp(11).toInstant(),
                        rs.getString(12),
                        rs.getString(13),
                        rs.getString(14),
                        rs.getString(15),
                        strings(rs.getArray(16)),
                        strings(rs.getArray(17)),
                        tickets(rs.getString(18)),
                        rs.getInt(19),
                        last));
            }
        }
        return out;
    }

    private static Map<String, String> tickets(String json) {
        try {
            return json == null ? Map.of() : JSON.readValue(json, TICKETS);
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, String>> TICKETS =
            new com.fasterxml.jackson.core.type.TypeReference<>() {};

    private static List<String> strings(java.sql.Array array) throws SQLException {
        return array == null ? List.of() : List.of((String[]) array.getArray());
    }
}
