package dev.onramp.dispatch.ledger;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.annotations.Mutability;
import org.hibernate.type.SqlTypes;
import org.hibernate.type.descriptor.java.Immutability;

/**
 * One message to deliver ({@code deliveries}), keyed by its message id: a request that arrives twice is stored, and so
 * delivered, once. Rows are inserted in batches by the request consumer, and the rounds and sends that every message
 * goes through read and write them as detached objects in plain JDBC ({@link Deliveries}, ADR 0002); the APIs,
 * provider callbacks, leases and isolated failures use the entity.
 */
@Entity
@Table(name = "deliveries")
public class Delivery extends PanacheEntityBase {

    @Id
    @Column(name = "message_id")
    public String messageId;

    @Column(name = "user_id", nullable = false, updatable = false)
    public String userId;

    @Column(updatable = false)
    public String journey;

    @Column(updatable = false)
    public String step;

    /** The request's first channel. */
    @Column(nullable = false, updatable = false)
    public String channel;

    /**
     * The message request as received ({@code docs/contracts/message-requests.schema.json}). Never changed once stored,
     * so Hibernate neither copies nor compares it when a round's deliveries are loaded and flushed.
     */
    @JdbcTypeCode(SqlTypes.JSON)
    @Mutability(Immutability.class)
    @Column(nullable = false, updatable = false)
    public Map<String, Object> request;

    @Column(nullable = false)
    public DeliveryStatus status;

    /** Which of the request's channels (the channel, then its fallbacks) is being tried. */
    @Column(name = "channel_index", nullable = false)
    public int channelIndex;

    /** The channel that delivered it. */
    @Column(name = "delivered_by")
    public String deliveredBy;

    /** Attempts on the current channel. */
    @Column(nullable = false)
    public int attempts;

    @Column(name = "next_attempt_at")
    public Instant nextAttemptAt;

    @Column(name = "last_error")
    public String lastError;

    /** Why each channel tried before failed, one per line. */
    public String failures;

    /** The email address or phone number it went to. */
    public String address;

    /** The provider's id of the message (a Twilio SID), for its status callbacks. */
    @Column(name = "provider_id")
    public String providerId;

    @Column(name = "lease_owner")
    public String leaseOwner;

    @Column(name = "lease_until")
    public Instant leaseUntil;

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public List<String> failureList() {
        List<String> list = new ArrayList<>();
        if (failures != null && !failures.isBlank()) {
            list.addAll(List.of(failures.split("\n")));
        }
        return list;
    }

    public void failures(List<String> list) {
        failures = list.isEmpty() ? null : String.join("\n", list);
    }

    /** The delivery this provider id names, if any. */
    public static Delivery byProviderId(String providerId) {
        return find("providerId", providerId).firstResult();
    }

    /** The user most recently messaged at this address, or null. */
    /** The latest message sent to this address (an SMS number, an email address). */
    public static java.util.Optional<Delivery> latestAt(String address) {
        return find("address = ?1 order by createdAt desc", address).firstResultOptional();
    }

    public static String latestUserAt(String address) {
        return find("address = ?1 order by createdAt desc", address)
                .<Delivery>firstResultOptional()
                .map(d -> d.userId)
                .orElse(null);
    }

    /** The journeys that ever messaged this user. */
    public static List<String> journeysOf(String userId) {
        return getEntityManager()
                .createQuery(
                        "select distinct d.journey from Delivery d where d.userId = ?1 and d.journey is not null"
                                + " order by d.journey",
                        String.class)
                .setParameter(1, userId)
                .getResultList();
    }
}
