package dev.onramp.dispatch.inapp;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.ledger.DeliveryRequest;
import dev.onramp.pipeline.AfterCommit;
import dev.onramp.templates.Rendered;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hibernate.Session;

/** Each user's in-app inbox in PostgreSQL. Every method works in the caller's transaction. */
@ApplicationScoped
public class Inbox {

    static final String CHANNEL = "onramp_inbox";

    private final InboxStreams streams;
    private final TransactionSynchronizationRegistry transactions;
    private final Feedback feedback;

    Inbox(InboxStreams streams, TransactionSynchronizationRegistry transactions, DispatchConfig config) {
        this.streams = streams;
        this.transactions = transactions;
        this.feedback = config.conversations().enabled()
                ? new Feedback(config.conversations().categories().orElse(List.of()))
                : null;
    }

    /** What the widget offers for writing back: feedback with these categories to choose from. */
    public record Feedback(List<String> categories) {
        public Feedback {
            categories = List.copyOf(categories);
        }
    }

    /** Null when conversations are off: the widget then offers neither feedback nor replies. */
    public Feedback feedback() {
        return feedback;
    }

    /** A message in an inbox, as the API shows it. */
    public record Message(
            String id,
            String title,
            String body,
            Action action,
            String journey,
            String step,
            String broadcast,
            String incident,
            String origin,
            String conversation,
            boolean replies,
            Sender sender,
            Instant createdAt,
            Instant readAt,
            Instant clickedAt) {

        static Message of(InboxMessage m) {
            return new Message(
                    m.messageId,
                    m.title,
                    m.body,
                    m.actionLabel == null && m.actionUrl == null ? null : new Action(m.actionLabel, m.actionUrl),
                    m.journey,
                    m.step,
                    m.broadcast,
                    m.incident,
                    originOf(m),
                    m.conversationId,
                    m.replies || m.conversationId != null && !"user".equals(m.origin),
                    m.senderName == null ? null : new Sender(m.senderName, m.senderRole, m.senderAvatar),
                    m.createdAt,
                    m.readAt,
                    m.clickedAt);
        }
    }

    /** Who wrote it: the product (its journey, broadcast or incident), the user, or a teammate answering. */
    private static String originOf(InboxMessage m) {
        if (m.origin != null) {
            return m.origin;
        }
        if (m.incident != null) {
            return "incident";
        }
        return m.broadcast != null ? "broadcast" : "journey";
    }

    public record Action(String label, String url) {}

    /**
     * The teammate who signed a message, as the user sees them.
     *
     * @param role null when none
     * @param avatar an http(s) URL of their picture; null when none
     */
    public record Sender(String name, String role, String avatar) {}

    /** The messages of one round, stored together at {@link Writer#flush()}. */
    public Writer writer() {
        return new Writer();
    }

    /**
     * Tells every instance, when the transaction commits, that these users' inboxes changed ({@code NOTIFY}): their
     * live streams update.
     */
    public void changed(Collection<String> userIds) {
        if (!userIds.isEmpty()) {
            session().doWork(c -> tellStreams(c, userIds));
            afterCommit(userIds);
        }
    }

    /**
     * New messages for users' inboxes, written in the caller's transaction. One batched native insert per round, on the
     * hot path of every in-app message (ADR 0002): persisting each entity cost the round a third of its time.
     */
    public final class Writer {

        private record Row(DeliveryRequest request, Rendered rendered, Instant at) {}

        private final List<Row> rows = new ArrayList<>();

        /** The request's message, rendered, for the user's inbox, signed by its sender (if any). */
        public void store(DeliveryRequest request, Rendered rendered, Instant now) {
            rows.add(new Row(request, rendered, now));
        }

        /** Writes the messages and tells the live streams of their users when the transaction commits. */
        public void flush() {
            if (rows.isEmpty()) {
                return;
            }
            session().doWork(c -> {
                try (PreparedStatement insert = c.prepareStatement("""
                        INSERT INTO inbox_messages (message_id, user_id, journey, step, title, body, action_label,
                            action_url, created_at, sender_name, sender_role, sender_avatar, broadcast, incident,
                            origin, conversation_id, replies)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                    for (Row row : rows) {
                        DeliveryRequest request = row.request();
                        insert.setString(1, request.messageId());
                        insert.setString(2, request.userId());
                        insert.setString(3, request.journey());
                        insert.setString(4, request.step());
                        insert.setString(5, row.rendered().header("title"));
                        insert.setString(6, row.rendered().body().strip());
                        insert.setString(7, row.rendered().header("action"));
                        insert.setString(8, row.rendered().header("url"));
                        insert.setObject(9, OffsetDateTime.ofInstant(row.at(), ZoneOffset.UTC));
                        DeliveryRequest.Sender sender = request.sender();
                        insert.setString(10, sender == null ? null : sender.name());
                        insert.setString(11, sender == null ? null : sender.role());
                        insert.setString(12, sender == null ? null : sender.avatar());
                        insert.setString(13, request.broadcast());
                        insert.setString(14, request.incident());
                        insert.setString(15, request.isAnswer() ? "teammate" : null);
                        insert.setString(16, request.conversation());
                        insert.setBoolean(17, request.replies());
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                Set<String> users = new LinkedHashSet<>();
                rows.forEach(row -> users.add(row.request().userId()));
                tellStreams(c, users);
                afterCommit(users);
            });
            rows.clear();
        }
    }

    /**
     * The streams this instance holds hear of the change as soon as the transaction commits, without waiting for
     * PostgreSQL to pass the {@code NOTIFY} back; the other instances hear of it by {@code NOTIFY}.
     */
    private void afterCommit(Collection<String> userIds) {
        List<String> users = List.copyOf(userIds);
        AfterCommit.run(transactions, () -> streams.changedHere(users));
    }

    /** The payload names the instance that made the change (which told its own streams) and the user. */
    private static void tellStreams(Connection c, Collection<String> userIds) throws SQLException {
        try (PreparedStatement notify = c.prepareStatement("SELECT count(pg_notify('" + CHANNEL + "', '"
                + InboxStreams.INSTANCE + ":' || u)) FROM unnest(?) AS u")) {
            notify.setArray(1, c.createArrayOf("text", userIds.toArray()));
            notify.executeQuery().close();
        }
    }

    private static Session session() {
        return InboxMessage.getEntityManager().unwrap(Session.class);
    }

    /** A stored message as the API shows it. */
    public Message message(InboxMessage stored) {
        return Message.of(stored);
    }

    /** The user's messages that are not dismissed, newest first. */
    public List<Message> list(String userId, int limit) {
        return InboxMessage.<InboxMessage>find(
                        "userId = ?1 and dismissedAt is null",
                        Sort.descending("createdAt").and("messageId"),
                        userId)
                .page(0, limit)
                .list()
                .stream()
                .map(Message::of)
                .toList();
    }

    public long unread(String userId) {
        return InboxMessage.count("userId = ?1 and readAt is null and dismissedAt is null", userId);
    }

    /** What a user did with a message. */
    public enum Interaction {
        READ("read"),
        CLICK("clicked"),
        DISMISS("dismissed");

        public final String status;

        Interaction(String status) {
            this.status = status;
        }
    }

    /**
     * Records an interaction once; clicking also reads.
     *
     * @return the message if this changed anything; empty if it was already so
     * @throws java.util.NoSuchElementException if the user has no such message
     */
    public Optional<InboxMessage> record(String userId, String messageId, Interaction interaction, Instant now) {
        InboxMessage m = InboxMessage.<InboxMessage>find("messageId = ?1 and userId = ?2", messageId, userId)
                .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE)
                .firstResultOptional()
                .orElseThrow();
        boolean changed =
                switch (interaction) {
                    case READ -> m.readAt == null;
                    case CLICK -> m.clickedAt == null;
                    case DISMISS -> m.dismissedAt == null;
                };
        if (!changed) {
            return Optional.empty();
        }
        switch (interaction) {
            case READ -> m.readAt = now;
            case CLICK -> {
                m.clickedAt = now;
                if (m.readAt == null) {
                    m.readAt = now;
                }
            }
            case DISMISS -> m.dismissedAt = now;
        }
        return Optional.of(m);
    }
}
