package dev.onramp.dispatch.inapp;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A message in a user's in-app inbox ({@code inbox_messages}). */
@Entity
@Table(name = "inbox_messages")
public class InboxMessage extends PanacheEntityBase {

    @Id
    @Column(name = "message_id")
    public String messageId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    public String journey;

    public String step;

    /** The broadcast it is a message of; null for a journey's message. */
    public String broadcast;

    /** The incident it is a message of: the widget shows an incident's messages as one thread. */
    public String incident;

    @Column(nullable = false)
    public String title;

    @Column(nullable = false)
    public String body;

    @Column(name = "action_label")
    public String actionLabel;

    @Column(name = "action_url")
    public String actionUrl;

    /** The teammate who signed it; null when the product itself did. */
    @Column(name = "sender_name")
    public String senderName;

    @Column(name = "sender_role")
    public String senderRole;

    @Column(name = "sender_avatar")
    public String senderAvatar;

    /** Null for the product's own messages; {@code user} for what the user wrote; {@code teammate} for an answer. */
    public String origin;

    /** The conversation it is part of: the message replied to, the user's words and the answers, as one thread. */
    @Column(name = "conversation_id")
    public String conversationId;

    /** Whether the user may reply to it. */
    @Column(nullable = false)
    public boolean replies;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "read_at")
    public Instant readAt;

    @Column(name = "clicked_at")
    public Instant clickedAt;

    @Column(name = "dismissed_at")
    public Instant dismissedAt;
}
