package dev.onramp.dispatch.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hibernate.Session;

/**
 * The deliveries table: claiming due deliveries so that instances share them, and the leases by which one instance
 * owns a send to a provider. Every method works in the caller's transaction.
 */
@ApplicationScoped
public class Deliveries implements PanacheRepositoryBase<Delivery, String> {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final String COLUMNS =
            "message_id, user_id, journey, step, channel, request, status, channel_index, attempts, failures, created_at,"
                    + " next_attempt_at, last_error, delivered_by, address, provider_id, lease_owner, lease_until,"
                    + " updated_at";

    private final ObjectMapper json;

    Deliveries(ObjectMapper json) {
        this.json = json;
    }

    /*
     * A round of deliveries (claimDue, claim) and a send's outcome (ownedSend) are read and written (write) with plain
     * JDBC in the caller's transaction, the rows becoming detached Delivery objects: these are the statements of every
     * message, and loading and flushing them as managed entities halved the rates (ADR 0002). Everything else goes
     * through the entity.
     */

    /**
     * Locks up to {@code limit} deliveries due now that no other transaction holds, the longest waiting first.
     *
     * @param external whether deliveries whose first channel is an outside provider may be among them; when those
     *     providers are busy, only in-app ones are claimed
     * @return the deliveries, detached: {@link #updateRound} writes what the round made of them
     */
    public List<Delivery> claimDue(Instant now, int limit, boolean external) {
        // The status is a literal so that PostgreSQL uses the partial index deliveries_pending.
        return select(
                "SELECT " + COLUMNS + " FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
                        + (external ? "" : " AND channel = 'in_app'")
                        + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED",
                ps -> {
                    ps.setObject(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                    ps.setInt(2, limit);
                });
    }

    /** Locks these deliveries, those no other transaction holds and that are still pending; detached, as above. */
    public List<Delivery> claim(List<String> messageIds) {
        return select(
                "SELECT " + COLUMNS + " FROM deliveries WHERE message_id = ANY (?) AND status = 'pending'"
                        + " ORDER BY message_id FOR UPDATE SKIP LOCKED",
                ps -> ps.setArray(1, ps.getConnection().createArrayOf("text", messageIds.toArray())));
    }

    /** Writes what became of these detached deliveries, read by this class in the same transaction: one batch. */
    public void write(List<Delivery> round) {
        if (round.isEmpty()) {
            return;
        }
        session().doWork(c -> {
            try (PreparedStatement update = c.prepareStatement("""
                    UPDATE deliveries SET status = ?, channel_index = ?, attempts = ?, next_attempt_at = ?,
                        last_error = ?, failures = ?, delivered_by = ?, address = ?, provider_id = ?, lease_owner = ?,
                        lease_until = ?, updated_at = ?
                    WHERE message_id = ?""")) {
                for (Delivery d : round) {
                    update.setString(1, d.status.wireName());
                    update.setInt(2, d.channelIndex);
                    update.setInt(3, d.attempts);
                    update.setObject(4, time(d.nextAttemptAt), Types.TIMESTAMP_WITH_TIMEZONE);
                    update.setString(5, d.lastError);
                    update.setString(6, d.failures);
                    update.setString(7, d.deliveredBy);
                    update.setString(8, d.address);
                    update.setString(9, d.providerId);
                    update.setString(10, d.leaseOwner);
                    update.setObject(11, time(d.leaseUntil), Types.TIMESTAMP_WITH_TIMEZONE);
                    update.setObject(12, time(d.updatedAt), Types.TIMESTAMP_WITH_TIMEZONE);
                    update.setString(13, d.messageId);
                    update.addBatch();
                }
                update.executeBatch();
            }
        });
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<Delivery> select(String sql, Binder binder) {
        return session().doReturningWork(c -> {
            List<Delivery> found = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Delivery d = new Delivery();
                        d.messageId = rs.getString(1);
                        d.userId = rs.getString(2);
                        d.journey = rs.getString(3);
                        d.step = rs.getString(4);
                        d.channel = rs.getString(5);
                        d.request = request(d.messageId, rs.getString(6));
                        d.status = DeliveryStatus.valueOf(rs.getString(7).toUpperCase(Locale.ROOT));
                        d.channelIndex = rs.getInt(8);
                        d.attempts = rs.getInt(9);
                        d.failures = rs.getString(10);
                        d.createdAt = instant(rs, 11);
                        d.nextAttemptAt = instant(rs, 12);
                        d.lastError = rs.getString(13);
                        d.deliveredBy = rs.getString(14);
                        d.address = rs.getString(15);
                        d.providerId = rs.getString(16);
                        d.leaseOwner = rs.getString(17);
                        d.leaseUntil = instant(rs, 18);
                        d.updatedAt = instant(rs, 19);
                        found.add(d);
                    }
                }
            }
            return found;
        });
    }

    private Map<String, Object> request(String messageId, String text) {
        try {
            return json.readValue(text, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("delivery " + messageId + " holds a request that is not JSON", e);
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime at = rs.getObject(column, OffsetDateTime.class);
        return at == null ? null : at.toInstant();
    }

    private static OffsetDateTime time(Instant at) {
        return at == null ? null : OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }

    private Session session() {
        return getEntityManager().unwrap(Session.class);
    }

    /**
     * Makes a queued delivery this instance owns a send in progress, its lease starting now. One native statement on
     * the path of every send (ADR 0002): Hibernate translates a bulk HQL update anew each time it runs.
     *
     * @return false if the instance no longer owns it (its lease ran out and another instance took it)
     */
    public boolean startSending(String messageId, String owner, Instant now, Instant leaseUntil) {
        return session().doReturningWork(c -> {
            try (PreparedStatement start = c.prepareStatement("""
                    UPDATE deliveries SET status = 'sending', lease_until = ?, updated_at = ?
                    WHERE message_id = ? AND lease_owner = ? AND status = 'queued'""")) {
                start.setObject(1, OffsetDateTime.ofInstant(leaseUntil, ZoneOffset.UTC));
                start.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                start.setString(3, messageId);
                start.setString(4, owner);
                return start.executeUpdate() == 1;
            }
        });
    }

    /**
     * The send in progress this instance owns, locked and detached ({@link #write} stores what becomes of it); null if
     * it owns it no more.
     */
    public Delivery ownedSend(String messageId, String owner) {
        List<Delivery> owned = select(
                "SELECT " + COLUMNS + " FROM deliveries WHERE message_id = ? AND lease_owner = ? AND status = 'sending'"
                        + " FOR UPDATE",
                ps -> {
                    ps.setString(1, messageId);
                    ps.setString(2, owner);
                });
        return owned.isEmpty() ? null : owned.getFirst();
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
