package dev.onramp.dispatch.conversation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.inapp.Inbox;
import dev.onramp.dispatch.inapp.InboxMessage;
import dev.onramp.dispatch.ledger.Delivery;
import dev.onramp.dispatch.outbox.Outbox;
import dev.onramp.pipeline.StableIds;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.Session;

/**
 * What end users write back, taken in from their inbox: a reply to one of its messages continues that message's
 * conversation (or opens it), feedback opens a new one. The user's words join their inbox as a message of the thread
 * and leave for journey-engine on {@code onramp.conversations}, in the caller's transaction.
 */
@ApplicationScoped
public class Conversations {

    private final DispatchConfig config;
    private final Inbox inbox;
    private final Outbox outbox;
    private final ObjectMapper json;

    Conversations(DispatchConfig config, Inbox inbox, Outbox outbox, ObjectMapper json) {
        this.config = config;
        this.inbox = inbox;
        this.outbox = outbox;
        this.json = json;
    }

    /**
     * What a user wrote, checked (see {@link ConversationsResource}).
     *
     * @param replyTo the message it answers; null for feedback
     * @param clientId the caller's id for it, so that a call sent again is taken once; null when none
     */
    public record Written(String text, String category, String replyTo, String clientId) {}

    /** How a message was taken. */
    public sealed interface Outcome {}

    /** Taken now: this is the user's message, in the conversation. */
    public record Taken(Inbox.Message message) implements Outcome {}

    /** Taken before, under the same client id: the first answer again. */
    public record Repeated(Inbox.Message message) implements Outcome {}

    /** No message of the user has that id. */
    public record NoSuchMessage() implements Outcome {}

    /** The message replied to takes no replies. */
    public record NotReplyable() implements Outcome {}

    /** The user wrote too much in the last minute, wherever they wrote from. */
    public record TooMany(int limit) implements Outcome, ChannelReply {
        /** The answer to whoever called: 429, try again in a minute. */
        public ProblemException problem() {
            return new ProblemException(
                    Problem.of(
                            429,
                            "too-many-messages",
                            "Too many messages",
                            "A user may write " + limit + " messages a minute; try again in a minute."),
                    Map.of("Retry-After", "60"));
        }
    }

    /** Takes what the user wrote, in the caller's transaction. */
    public Outcome write(String userId, Written written, Instant now) throws SQLException {
        String id =
                written.clientId() == null ? "w-" + UUID.randomUUID() : "w-" + StableIds.of(userId, written.clientId());
        InboxMessage earlier = InboxMessage.findById(id);
        if (earlier != null && earlier.userId.equals(userId)) {
            return new Repeated(inbox.message(earlier));
        }
        long recent = InboxMessage.count(
                "userId = ?1 and origin = 'user' and createdAt > ?2", userId, now.minus(1, ChronoUnit.MINUTES));
        if (recent >= config.conversations().perUserPerMinute()) {
            return new TooMany(config.conversations().perUserPerMinute());
        }
        Thread thread;
        if (written.replyTo() == null) {
            thread = new Thread("cv-" + UUID.randomUUID(), null, null, null, null, written.category(), true);
        } else {
            Optional<InboxMessage> found = InboxMessage.<InboxMessage>find(
                            "messageId = ?1 and userId = ?2", written.replyTo(), userId)
                    .withLock(LockModeType.PESSIMISTIC_WRITE)
                    .firstResultOptional();
            if (found.isEmpty()) {
                return new NoSuchMessage();
            }
            InboxMessage answered = found.get();
            if (answered.conversationId == null && !answered.replies) {
                return new NotReplyable();
            }
            if (answered.conversationId != null) {
                thread = existing(answered.conversationId, written.category());
            } else {
                thread = new Thread(
                        "cv-" + StableIds.of(userId, answered.messageId),
                        answered.messageId,
                        answered.journey,
                        answered.step,
                        answered.broadcast,
                        written.category(),
                        true);
                answered.conversationId = thread.id();
            }
        }
        if (thread.opens()) {
            open(userId, thread, "in_app", now);
        } else {
            touch(thread.id(), now);
        }
        InboxMessage message = new InboxMessage();
        message.messageId = id;
        message.userId = userId;
        message.origin = "user";
        message.conversationId = thread.id();
        message.journey = thread.journey();
        message.step = thread.step();
        message.broadcast = thread.broadcast();
        message.title = "";
        message.body = written.text();
        message.createdAt = now;
        message.readAt = now;
        message.persist();

        ObjectNode record = json.createObjectNode();
        record.put("id", id);
        record.put("conversationId", thread.id());
        record.put("userId", userId);
        record.put("kind", written.replyTo() == null ? "feedback" : "reply");
        record.put("channel", "in_app");
        putIfPresent(record, "messageId", written.replyTo());
        putIfPresent(record, "journey", thread.journey());
        putIfPresent(record, "step", thread.step());
        putIfPresent(record, "broadcast", thread.broadcast());
        record.put("text", written.text());
        putIfPresent(record, "category", thread.category());
        record.put("at", now.toString());
        Outbox.Writer out = outbox.writer();
        out.publish(config.topics().conversations(), userId, record, now);
        InboxMessage.flush();
        out.flush();
        inbox.changed(List.of(userId));
        return new Taken(inbox.message(message));
    }

    /** How a reply by SMS or email was taken. */
    public sealed interface ChannelReply {}

    /** In this conversation; {@code repeated} when the provider had sent the same reply before. */
    public record Replied(String conversationId, boolean repeated) implements ChannelReply {}

    /**
     * A reply by SMS (Twilio's inbound webhook, after STOP and START): to the latest message sent to the number.
     *
     * @return how it was taken, or empty when the number was never sent anything
     */
    public Optional<ChannelReply> fromSms(String phone, String text, String providerId, Instant now)
            throws SQLException {
        Optional<Delivery> latest = Delivery.latestAt(phone);
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(fromChannel(latest.get(), "sms", text, providerId != null ? providerId : phone + now, now));
    }

    /**
     * A reply by email to one message (the signed reply address named it), its quoted history already stripped.
     *
     * @param providerId the email's Message-ID; a route that posts the same email again is taken once
     */
    public ChannelReply fromEmail(Delivery answered, String text, String providerId, Instant now) throws SQLException {
        return fromChannel(answered, "email", text, providerId, now);
    }

    /**
     * A reply that came by a channel other than the widget, to a message sent there: in that message's conversation
     * — a teammate's answer's, or the one the reply opens. Not an inbox message: the user wrote by SMS or email, and
     * an answer goes back the same way. The provider's id makes a call sent again the same reply.
     */
    private ChannelReply fromChannel(Delivery last, String channel, String text, String providerId, Instant now)
            throws SQLException {
        String id = "w-" + StableIds.of(last.userId, channel + ":" + providerId);
        Object earlier = session()
                .createNativeQuery("SELECT conversation_id FROM channel_replies WHERE id = ?1", String.class)
                .setParameter(1, id)
                .uniqueResultOptional()
                .orElse(null);
        if (earlier instanceof String conversation) {
            return new Replied(conversation, true);
        }
        OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        long recent = InboxMessage.count(
                        "userId = ?1 and origin = 'user' and createdAt > ?2",
                        last.userId,
                        now.minus(1, ChronoUnit.MINUTES))
                + ((Number) session()
                                .createNativeQuery(
                                        "SELECT count(*) FROM channel_replies WHERE user_id = ?1 AND created_at > ?2",
                                        Long.class)
                                .setParameter(1, last.userId)
                                .setParameter(2, at.minusMinutes(1))
                                .getSingleResult())
                        .longValue();
        if (recent >= config.conversations().perUserPerMinute()) {
            return new TooMany(config.conversations().perUserPerMinute());
        }
        Object answered = last.request == null ? null : last.request.get("conversation");
        Object broadcast = last.request == null ? null : last.request.get("broadcast");
        Thread thread = answered instanceof String conversation
                ? existing(conversation, null)
                : new Thread(
                        "cv-" + StableIds.of(last.userId, channel + ":" + last.messageId),
                        last.messageId,
                        last.journey,
                        last.step,
                        broadcast instanceof String b ? b : null,
                        null,
                        true);
        if (thread.opens()) {
            open(last.userId, thread, channel, now);
        } else {
            touch(thread.id(), now);
        }
        session()
                .createNativeMutationQuery("""
                        INSERT INTO channel_replies (id, user_id, channel, conversation_id, created_at)
                        VALUES (?1, ?2, ?3, ?4, ?5)""")
                .setParameter(1, id)
                .setParameter(2, last.userId)
                .setParameter(3, channel)
                .setParameter(4, thread.id())
                .setParameter(5, at)
                .executeUpdate();
        ObjectNode record = json.createObjectNode();
        record.put("id", id);
        record.put("conversationId", thread.id());
        record.put("userId", last.userId);
        record.put("kind", "reply");
        record.put("channel", channel);
        record.put("messageId", last.messageId);
        putIfPresent(record, "journey", thread.journey());
        putIfPresent(record, "step", thread.step());
        putIfPresent(record, "broadcast", thread.broadcast());
        String trimmed = text.strip();
        int max = config.conversations().maxLength();
        record.put("text", trimmed.length() > max ? trimmed.substring(0, max) : trimmed);
        record.put("at", now.toString());
        Outbox.Writer out = outbox.writer();
        out.publish(config.topics().conversations(), last.userId, record, now);
        out.flush();
        return new Replied(thread.id(), false);
    }

    /** The conversation a message joins; {@code opens} when it is not stored yet. */
    private record Thread(
            String id, String answers, String journey, String step, String broadcast, String category, boolean opens) {}

    private Thread existing(String conversationId, String category) {
        Object[] row = (Object[]) session()
                .createNativeQuery(
                        "SELECT answers, journey, step, broadcast, category FROM conversations WHERE conversation_id = ?1",
                        Object[].class)
                .setParameter(1, conversationId)
                .uniqueResultOptional()
                .orElse(null);
        if (row == null) {
            // Opened by journey-engine's side only (an answer to a conversation this instance never stored): take it
            // up.
            return new Thread(conversationId, null, null, null, null, category, true);
        }
        return new Thread(
                conversationId,
                (String) row[0],
                (String) row[1],
                (String) row[2],
                (String) row[3],
                category != null ? category : (String) row[4],
                false);
    }

    private void open(String userId, Thread thread, String channel, Instant now) {
        session()
                .createNativeMutationQuery("""
                        INSERT INTO conversations (conversation_id, user_id, channel, answers, journey, step, broadcast,
                            category, created_at, updated_at)
                        VALUES (?1, ?2, ?9, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
                        ON CONFLICT (conversation_id) DO UPDATE SET updated_at = excluded.updated_at""")
                .setParameter(9, channel)
                .setParameter(1, thread.id())
                .setParameter(2, userId)
                .setParameter(3, thread.answers())
                .setParameter(4, thread.journey())
                .setParameter(5, thread.step())
                .setParameter(6, thread.broadcast())
                .setParameter(7, thread.category())
                .setParameter(8, OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                .executeUpdate();
    }

    private void touch(String conversationId, Instant now) {
        session()
                .createNativeMutationQuery("UPDATE conversations SET updated_at = ?1 WHERE conversation_id = ?2")
                .setParameter(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                .setParameter(2, conversationId)
                .executeUpdate();
    }

    private static void putIfPresent(ObjectNode record, String field, String value) {
        if (value != null) {
            record.put(field, value);
        }
    }

    private static Session session() {
        return InboxMessage.getEntityManager().unwrap(Session.class);
    }
}
