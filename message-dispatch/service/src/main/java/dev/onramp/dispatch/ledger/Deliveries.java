package dev.onramp.dispatch.ledger;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.hibernate.jpa.SpecHints;

/**
 * The deliveries table: claiming due deliveries so that instances share them, and the leases by which one instance
 * owns a send to a provider. Every method works in the caller's transaction.
 */
@ApplicationScoped
public class Deliveries implements PanacheRepositoryBase<Delivery, String> {

    /** What {@code jakarta.persistence.lock.timeout} says for {@code SKIP LOCKED} in Hibernate. */
    private static final int SKIP_LOCKED = -2;

    /**
     * Locks up to {@code limit} deliveries due now that no other transaction holds, the longest waiting first.
     *
     * @param external whether deliveries whose first channel is an outside provider may be among them; when those
     *     providers are busy, only in-app ones are claimed
     */
    public List<Delivery> claimDue(Instant now, int limit, boolean external) {
        return find(
                        "status = ?1 and nextAttemptAt <= ?2" + (external ? "" : " and channel = 'in_app'")
                                + " order by nextAttemptAt",
                        DeliveryStatus.PENDING,
                        now)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint(SpecHints.HINT_SPEC_LOCK_TIMEOUT, SKIP_LOCKED)
                .page(0, limit)
                .list();
    }

    /** Locks these deliveries, those no other transaction holds and that are still pending. */
    public List<Delivery> claim(List<String> messageIds) {
        return find("messageId in ?1 and status = ?2 order by messageId", messageIds, DeliveryStatus.PENDING)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint(SpecHints.HINT_SPEC_LOCK_TIMEOUT, SKIP_LOCKED)
                .list();
    }

    /**
     * Makes a queued delivery this instance owns a send in progress, its lease starting now.
     *
     * @return false if the instance no longer owns it (its lease ran out and another instance took it)
     */
    public boolean startSending(String messageId, String owner, Instant now, Instant leaseUntil) {
        return update(
                        "status = ?1, leaseUntil = ?2, updatedAt = ?3 where messageId = ?4 and leaseOwner = ?5"
                                + " and status = ?6",
                        DeliveryStatus.SENDING,
                        leaseUntil,
                        now,
                        messageId,
                        owner,
                        DeliveryStatus.QUEUED)
                == 1;
    }

    /** The send in progress this instance owns, locked; null if it owns it no more. */
    public Delivery ownedSend(String messageId, String owner) {
        return find("messageId = ?1 and leaseOwner = ?2 and status = ?3", messageId, owner, DeliveryStatus.SENDING)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResult();
    }

    /** Keeps these queued deliveries this instance's own: it is alive and still has them in hand. */
    public int renew(String owner, List<String> messageIds, Instant leaseUntil) {
        return update(
                "leaseUntil = ?1 where leaseOwner = ?2 and status = ?3 and messageId in ?4",
                leaseUntil,
                owner,
                DeliveryStatus.QUEUED,
                messageIds);
    }

    /** Hands back this instance's queued deliveries, for another round or instance to take. */
    public int release(String owner, Instant now) {
        return update(
                "status = ?1, leaseOwner = null, leaseUntil = null, nextAttemptAt = ?2, updatedAt = ?2"
                        + " where leaseOwner = ?3 and status = ?4",
                DeliveryStatus.PENDING,
                now,
                owner,
                DeliveryStatus.QUEUED);
    }

    /**
     * Deliveries whose lease ran out — their instance died while they were queued or being sent — are pending again,
     * to be sent with the same message id.
     */
    public int recoverExpired(Instant now) {
        return update(
                "status = ?1, nextAttemptAt = ?2, updatedAt = ?2, leaseOwner = null, leaseUntil = null, lastError = ?3"
                        + " where status in ?4 and leaseUntil < ?2",
                DeliveryStatus.PENDING,
                now,
                "its instance stopped while it was queued or being sent; trying again with the same ids",
                List.of(DeliveryStatus.QUEUED, DeliveryStatus.SENDING));
    }

    /**
     * Stores new requests, each once: a message id seen before changes nothing. Batched native SQL, on the hot path
     * of every message (ADR 0002).
     *
     * @param rawJson each request as received, stored as it is
     */
    public void insertAll(Connection c, List<DeliveryRequest> requests, List<String> rawJson, Instant now)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO deliveries (message_id, user_id, journey, step, channel, request, status, next_attempt_at,
                    created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?::jsonb, 'pending', ?, ?, ?) ON CONFLICT (message_id) DO NOTHING""")) {
            OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
            for (int i = 0; i < requests.size(); i++) {
                DeliveryRequest r = requests.get(i);
                insert.setString(1, r.messageId());
                insert.setString(2, r.userId());
                insert.setString(3, r.journey());
                insert.setString(4, r.step());
                insert.setString(5, r.channels().getFirst().wireName());
                insert.setString(6, rawJson.get(i));
                insert.setObject(7, at);
                insert.setObject(8, at);
                insert.setObject(9, at);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }
}
