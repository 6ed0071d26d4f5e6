package dev.onramp.dispatch.inapp;

import dev.onramp.templates.Rendered;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Each user's in-app inbox in PostgreSQL. Every method works in the caller's transaction. */
@ApplicationScoped
public class Inbox {

    static final String CHANNEL = "onramp_inbox";

    /** A message in an inbox, as the API shows it. */
    public record Message(
            String id,
            String title,
            String body,
            Action action,
            String journey,
            String step,
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
                    m.createdAt,
                    m.readAt,
                    m.clickedAt);
        }
    }

    public record Action(String label, String url) {}

    /** Stores a rendered message in the user's inbox; {@link #changed} tells the live streams. */
    public void store(String messageId, String userId, String journey, String step, Rendered rendered, Instant now) {
        InboxMessage m = new InboxMessage();
        m.messageId = messageId;
        m.userId = userId;
        m.journey = journey;
        m.step = step;
        m.title = rendered.header("title");
        m.body = rendered.body().strip();
        m.actionLabel = rendered.header("action");
        m.actionUrl = rendered.header("url");
        m.createdAt = now;
        m.persist();
    }

    /**
     * Tells every instance, when the transaction commits, that these users' inboxes changed ({@code NOTIFY}): their
     * live streams update.
     */
    public void changed(Collection<String> userIds) {
        if (userIds.isEmpty()) {
            return;
        }
        InboxMessage.getEntityManager()
                .createNativeQuery("SELECT count(pg_notify('" + CHANNEL + "', u)) FROM unnest(cast(?1 as text[])) AS u")
                .setParameter(1, userIds.toArray(String[]::new))
                .getSingleResult();
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
