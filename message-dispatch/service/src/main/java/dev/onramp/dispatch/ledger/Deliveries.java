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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The deliveries table: claiming due deliveries so that instances share them, and the leases by which one instance
 * owns a send to a provider. Every method but {@link #startSending} works in the caller's transaction.
 */
@ApplicationScoped
public class Deliveries implements PanacheRepositoryBase<Delivery, String> {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    /** The columns of a delivery but its request. */
    private static final String STATE =
            "message_id, user_id, journey, step, channel, status, channel_index, attempts, failures, created_at,"
                    + " next_attempt_at, last_error, delivered_by, address, provider_id, lease_owner, lease_until,"
                    + " updated_at";

    private final ObjectMapper json;
    private final DataSource dataSource;

    Deliveries(ObjectMapper json, DataSource dataSource) {
        this.json = json;
        this.dataSource = dataSource;
    }

    /*
     * A round of deliveries (claimDue, claim) and the outcomes of sends (ownedSends) are read and written (write) with plain
     * JDBC on the connection enlisted in the caller's transaction, the rows becoming detached Delivery objects: these are the statements of every
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
    public List<Delivery> claimDue(Instant now, int limit, boolean external) throws SQLException {
        // The status is a literal so that PostgreSQL uses the partial index deliveries_pending.
        return select(
                "SELECT " + STATE + ", request FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
                        + (external ? "" : " AND channel = 'in_app'")
                        + " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED",
                true,
                ps -> {
                    ps.setObject(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                    ps.setInt(2, limit);
                });
    }

    /** Locks these deliveries, those no other transaction holds and that are still pending; detached, as above. */
    public List<Delivery> claim(List<String> messageIds) throws SQLException {
        return select(
                "SELECT " + STATE + ", request FROM deliveries WHERE message_id = ANY (?) AND status = 'pending'"
                        + " ORDER BY message_id FOR UPDATE SKIP LOCKED",
                true,
                ps -> ps.setArray(1, ps.getConnection().createArrayOf("text", messageIds.toArray())));
    }

    /**
     * Locks these deliveries if they are pending and due (those just stored are; one stored before and waiting for a
     * retry is not), no other transaction holds them, and — unless {@code external} — their first channel is in-app;
     * detached, as above.
     */
    public List<Delivery> claimDue(List<String> messageIds, Instant now, boolean external) throws SQLException {
        return select(
                "SELECT " + STATE + ", request FROM deliveries WHERE message_id = ANY (?) AND status = 'pending'"
                        + " AND next_attempt_at <= ?" + (external ? "" : " AND channel = 'in_app'")
                        + " ORDER BY message_id FOR UPDATE SKIP LOCKED",
                true,
                ps -> {
                    ps.setArray(1, ps.getConnection().createArrayOf("text", messageIds.toArray()));
                    ps.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                });
    }

    /** Writes what became of these detached deliveries, read by this class in the same transaction: one batch. */
    public void write(List<Delivery> round) throws SQLException {
        if (round.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement update = c.prepareStatement("""
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
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** @param withRequest whether the query selects the {@code request} column, after the {@link #STATE} ones */
    private List<Delivery> select(String sql, boolean withRequest, Binder binder) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            List<Delivery> found = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Delivery d = new Delivery();
                        d.messageId = rs.getString("message_id");
                        d.userId = rs.getString("user_id");
                        d.journey = rs.getString("journey");
                        d.step = rs.getString("step");
                        d.channel = rs.getString("channel");
                        d.status = DeliveryStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT));
                        d.channelIndex = rs.getInt("channel_index");
                        d.attempts = rs.getInt("attempts");
                        d.failures = rs.getString("failures");
                        d.createdAt = instant(rs, "created_at");
                        d.nextAttemptAt = instant(rs, "next_attempt_at");
                        d.lastError = rs.getString("last_error");
                        d.deliveredBy = rs.getString("delivered_by");
                        d.address = rs.getString("address");
                        d.providerId = rs.getString("provider_id");
                        d.leaseOwner = rs.getString("lease_owner");
                        d.leaseUntil = instant(rs, "lease_until");
                        d.updatedAt = instant(rs, "updated_at");
                        if (withRequest) {
                            d.request = request(d.messageId, rs.getString("request"));
                        }
                        found.add(d);
                    }
                }
            }
            return found;
        }
    }

    private Map<String, Object> request(String messageId, String text) {
        try {
            return json.readValue(text, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("delivery " + messageId + " holds a request that is not JSON", e);
        }
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime at = rs.getObject(column, OffsetDateTime.class);
        return at == null ? null : at.toInstant();
    }

    private static OffsetDateTime time(Instant at) {
        return at == null ? null : OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }

    /**
     * Makes a queued delivery this instance owns a send in progress, its lease starting now. One statement that commits
     * by itself, on the path of every send: no JTA transaction or Hibernate session is opened for it (ADR 0002).
     *
     * @return false if the instance no longer owns it (its lease ran out and another instance took it)
     */
    public boolean startSending(String messageId, String owner, Instant now, Instant leaseUntil) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement start = c.prepareStatement("""
                        UPDATE deliveries SET status = 'sending', lease_until = ?, updated_at = ?
                        WHERE message_id = ? AND lease_owner = ? AND status = 'queued'""")) {
            if (!c.getAutoCommit()) {
                throw new IllegalStateException("startSending commits by itself; call it outside a transaction");
            }
            start.setObject(1, OffsetDateTime.ofInstant(leaseUntil, ZoneOffset.UTC));
            start.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            start.setString(3, messageId);
            start.setString(4, owner);
            return start.executeUpdate() == 1;
        }
    }

    /**
     * The sends in progress this instance owns among these, locked (in message id order, so that two transactions never
     * wait for each other) and detached ({@link #write} stores what becomes of them), without their requests, which the
     * caller has. Those it owns no more are missing.
     */
    public Map<String, Delivery> ownedSends(Collection<String> messageIds, String owner) throws SQLException {
        List<Delivery> owned = select(
                "SELECT " + STATE + " FROM deliveries WHERE message_id = ANY (?) AND lease_owner = ?"
                        + " AND status = 'sending' ORDER BY message_id FOR UPDATE",
                false,
                ps -> {
                    ps.setArray(1, ps.getConnection().createArrayOf("text", messageIds.toArray()));
                    ps.setString(2, owner);
                });
        Map<String, Delivery> byId = new HashMap<>();
        owned.forEach(d -> byId.put(d.messageId, d));
        return byId;
    }

    /**
     * Ends a send in progress whose outcome cannot be written: failed, with why, so that it is neither left in
     * {@code sending} nor sent again when its lease runs out.
     *
     * @return false if this instance owns it no more
     */
    public boolean abandonSend(String messageId, String owner, String reason, Instant now) {
        return update(
                        "status = ?1, lastError = ?2, leaseOwner = null, leaseUntil = null, nextAttemptAt = null,"
                                + " updatedAt = ?3 where messageId = ?4 and leaseOwner = ?5 and status = ?6",
                        DeliveryStatus.FAILED,
                        reason,
                        now,
                        messageId,
                        owner,
                        DeliveryStatus.SENDING)
                == 1;
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
     * of every message (ADR 0002). Each is pending, due at once or at its request's {@code notBefore} if later.
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
                insert.setObject(
                        7,
                        r.notBefore() != null && r.notBefore().isAfter(now)
                                ? OffsetDateTime.ofInstant(r.notBefore(), ZoneOffset.UTC)
                                : at);
                insert.setObject(8, at);
                insert.setObject(9, at);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }
}
