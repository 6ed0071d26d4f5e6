package dev.onramp.engine.state;

import dev.onramp.engine.wire.Records;
import dev.onramp.journey.model.Teammate;
import dev.onramp.journey.route.Routes;
import dev.onramp.journey.run.Decision;
import dev.onramp.pipeline.StableIds;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records what users write back ({@code onramp.conversations}) in the batch's transaction: the conversation (opened,
 * or opened again when it was closed), the message once however often it is delivered, and a line in the user's
 * journey log for each new one.
 */
public final class ConversationLog {

    /** Where a conversation's lines go in the journey log: beside journeys and broadcasts, under its own name. */
    public static final String LOG_PREFIX = "conversation:";

    private ConversationLog() {}

    /**
     * A message the user wrote, and where its conversation goes if this message opens it.
     *
     * @param kinds the destinations routes.yaml has now, by name, with their kinds
     * @param traits the user's traits: the requester a help desk shows
     */
    public record Entry(
            Records.Written written,
            Routes.Routed routed,
            Map<String, Routes.Destination.Kind> kinds,
            Map<String, Object> traits,
            Teammate answeredBy) {}

    /** A help desk agent's answer to send to the user, signed as this teammate. */
    public record Answer(String messageId, Records.Written written, Teammate teammate, Map<String, Object> traits) {}

    /**
     * One message handed to one destination of its conversation.
     *
     * @param first whether the message opened the conversation
     */
    public record Handoff(
            Records.Written written,
            String destination,
            Routes.Destination.Kind kind,
            boolean first,
            Where where,
            Map<String, Object> traits) {}

    /** Where a conversation went: its rule, team, priority, assignee, tags and destinations. */
    public record Where(
            String route, String team, String priority, String assignee, List<String> tags, List<String> to) {

        public static Where of(Routes.Route route) {
            return route == null
                    ? new Where(null, null, null, null, List.of(), List.of())
                    : new Where(
                            route.id(),
                            route.team().orElse(null),
                            route.priority().map(Routes.Priority::wireName).orElse(null),
                            route.assignee().orElse(null),
                            route.tags(),
                            route.to());
        }
    }

    /** What recording did: the journey log's lines, and the messages to hand to destinations. */
    public record Recorded(List<Decision> lines, List<Handoff> handoffs, List<Answer> answers) {
        static final Recorded NONE = new Recorded(List.of(), List.of(), List.of());
    }

    /** @return the journey log's lines for the messages that were new, and their hand-offs */
    static Recorded record(Connection c, List<Entry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return Recorded.NONE;
        }
        List<Records.Written> written = entries.stream().map(Entry::written).toList();
        Map<String, Where> existing = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, route, team, priority, assignee, tags, destinations FROM conversations WHERE id = ANY (?)")) {
            ps.setArray(
                    1,
                    c.createArrayOf(
                            "text",
                            written.stream()
                                    .map(Records.Written::conversationId)
                                    .toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    existing.put(
                            rs.getString(1),
                            new Where(
                                    rs.getString(2),
                                    rs.getString(3),
                                    rs.getString(4),
                                    rs.getString(5),
                                    List.of((String[]) rs.getArray(6).getArray()),
                                    List.of((String[]) rs.getArray(7).getArray())));
                }
            }
        }
        Map<String, Entry> opening = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (!existing.containsKey(e.written().conversationId())) {
                opening.putIfAbsent(e.written().conversationId(), e);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO conversations (id, user_id, channel, message_id, journey, step, broadcast, category, status,
                    opened_at, updated_at, route, team, priority, assignee, tags, destinations)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET status = 'open',
                    updated_at = greatest(conversations.updated_at, excluded.updated_at),
                    category = coalesce(conversations.category, excluded.category)""")) {
            for (Entry e : entries) {
                Records.Written w = e.written();
                Routes.Route route = e.routed() == null ? null : e.routed().route();
                ps.setString(1, w.conversationId());
                ps.setString(2, w.userId());
                ps.setString(3, w.channel());
                ps.setString(4, w.kind().equals("reply") ? w.answers() : null);
                ps.setString(5, w.journey());
                ps.setString(6, w.step());
                ps.setString(7, w.broadcast());
                ps.setString(8, w.category());
                ps.setTimestamp(9, Timestamp.from(w.at()));
                ps.setTimestamp(10, Timestamp.from(w.at()));
                ps.setString(11, route == null ? null : route.id());
                ps.setString(12, route == null ? null : route.team().orElse(null));
                ps.setString(
                        13,
                        route == null
                                ? null
                                : route.priority()
                                        .map(Routes.Priority::wireName)
                                        .orElse(null));
                ps.setString(14, route == null ? null : route.assignee().orElse(null));
                ps.setArray(
                        15,
                        c.createArrayOf(
                                "text",
                                route == null ? new Object[0] : route.tags().toArray()));
                ps.setArray(
                        16,
                        c.createArrayOf(
                                "text",
                                route == null ? new Object[0] : route.to().toArray()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        Set<String> fresh = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO conversation_messages (id, conversation_id, user_id, author, text, at)
                SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
                ON CONFLICT (id) DO NOTHING
                RETURNING id""")) {
            ps.setArray(
                    1,
                    c.createArrayOf(
                            "text", written.stream().map(Records.Written::id).toArray()));
            ps.setArray(
                    2,
                    c.createArrayOf(
                            "text",
                            written.stream()
                                    .map(Records.Written::conversationId)
                                    .toArray()));
            ps.setArray(
                    3,
                    c.createArrayOf(
                            "text",
                            written.stream().map(Records.Written::userId).toArray()));
            ps.setArray(
                    4,
                    c.createArrayOf(
                            "text",
                            entries.stream()
                                    .map(e -> e.answeredBy() == null
                                            ? "user"
                                            : e.answeredBy().id())
                                    .toArray()));
            ps.setArray(
                    5,
                    c.createArrayOf(
                            "text", written.stream().map(Records.Written::text).toArray()));
            ps.setArray(
                    6,
                    c.createArrayOf(
                            "timestamptz",
                            written.stream().map(w -> Timestamp.from(w.at())).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.add(rs.getString(1));
                }
            }
        }
        List<Decision> lines = new ArrayList<>();
        List<Handoff> handoffs = new ArrayList<>();
        List<Answer> answers = new ArrayList<>();
        for (Entry e : entries) {
            Records.Written w = e.written();
            if (e.answeredBy() != null) {
                if (fresh.remove(w.id())) {
                    Teammate t = e.answeredBy();
                    String messageId = "ans-" + StableIds.of(w.conversationId(), w.id());
                    lines.add(new Decision(
                            w.at(),
                            w.userId(),
                            LOG_PREFIX + w.conversationId(),
                            0,
                            null,
                            Decision.Kind.ANSWERED,
                            t.name() + " (" + t.role() + ") answered in the help desk, by "
                                    + w.channel().replace('_', '-'),
                            messageId));
                    answers.add(new Answer(messageId, w, t, e.traits()));
                }
                continue;
            }
            if (fresh.remove(w.id())) {
                boolean first = opening.get(w.conversationId()) == e;
                Where where = first
                        ? Where.of(e.routed() == null ? null : e.routed().route())
                        : existing.getOrDefault(w.conversationId(), Where.of(null));
                if (!first && !existing.containsKey(w.conversationId())) {
                    // Opened earlier in this batch: where its first message went.
                    Entry opener = opening.get(w.conversationId());
                    where = Where.of(
                            opener.routed() == null ? null : opener.routed().route());
                }
                for (String destination : where.to()) {
                    Routes.Destination.Kind kind = e.kinds().get(destination);
                    if (kind == null) {
                        lines.add(new Decision(
                                w.at(),
                                w.userId(),
                                LOG_PREFIX + w.conversationId(),
                                0,
                                w.step(),
                                Decision.Kind.ROUTED,
                                "not handed to " + destination + ": routes.yaml no longer has it",
                                null));
                        continue;
                    }
                    handoffs.add(new Handoff(w, destination, kind, first, where, e.traits()));
                }
                lines.add(new Decision(
                        w.at(),
                        w.userId(),
                        LOG_PREFIX + w.conversationId(),
                        0,
                        w.step(),
                        Decision.Kind.CONVERSATION,
                        describe(w),
                        w.answers()));
                if (first && e.routed() != null) {
                    lines.add(new Decision(
                            w.at(),
                            w.userId(),
                            LOG_PREFIX + w.conversationId(),
                            0,
                            w.step(),
                            Decision.Kind.ROUTED,
                            e.routed().describe(),
                            null));
                }
            }
        }
        return new Recorded(lines, handoffs, answers);
    }

    /**
     * What message-dispatch said of a hand-off: a line on the user's story, and the help desk's ticket kept on the
     * conversation.
     */
    public record Report(
            String userId,
            String conversation,
            String destination,
            String ticket,
            String status,
            String detail,
            String messageId,
            java.time.Instant at) {}

    public static List<Decision> report(Connection c, List<Report> reports) throws SQLException {
        List<Decision> lines = new ArrayList<>();
        for (Report r : reports) {
            if (r.ticket() != null) {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE conversations SET tickets = tickets || jsonb_build_object(?::text, ?::text) WHERE id = ?")) {
                    ps.setString(1, r.destination());
                    ps.setString(2, r.ticket());
                    ps.setString(3, r.conversation());
                    ps.executeUpdate();
                }
            }
            lines.add(new Decision(
                    r.at(),
                    r.userId(),
                    LOG_PREFIX + r.conversation(),
                    0,
                    null,
                    Decision.Kind.HANDED_OFF,
                    ("delivered".equals(r.status()) ? "handed to " : "not handed to ")
                            + r.destination()
                            + (r.detail() == null ? "" : ": " + r.detail()),
                    r.messageId()));
        }
        return lines;
    }

    /** "replied to step invite-teammate of workspace-onboarding (billing): “Where is…”" */
    static String describe(Records.Written w) {
        StringBuilder line = new StringBuilder();
        if (w.kind().equals("feedback")) {
            line.append("sent feedback");
        } else if (w.journey() != null) {
            line.append("replied to step ").append(w.step()).append(" of ").append(w.journey());
        } else if (w.broadcast() != null) {
            line.append("replied to broadcast ").append(w.broadcast());
        } else {
            line.append("replied");
        }
        line.append(" by ").append(w.channel().replace('_', '-'));
        if (w.category() != null) {
            line.append(" (").append(w.category()).append(")");
        }
        String text = w.text().strip().replaceAll("\\s+", " ");
        int end = text.offsetByCodePoints(0, Math.min(text.codePointCount(0, text.length()), 140));
        line.append(": “").append(text, 0, end).append(end < text.length() ? "…”" : "”");
        return line.toString();
    }
}
