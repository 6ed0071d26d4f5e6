package dev.onramp.dispatch.preferences;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** What a user unsubscribed from ({@code preferences}): a journey ({@code *} for all) on a channel ({@code *} for all). */
@Entity
@Table(name = "preferences")
@IdClass(Unsubscription.Key.class)
public class Unsubscription extends PanacheEntityBase {

    /** The primary key. */
    public record Key(String userId, String journey, String channel) implements Serializable {}

    @Id
    @Column(name = "user_id")
    public String userId;

    @Id
    public String journey;

    @Id
    public String channel;

    @Column(name = "unsubscribed_at", nullable = false)
    public Instant unsubscribedAt;
}
