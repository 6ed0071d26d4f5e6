package dev.onramp.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.Infra;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * Old deliveries and inbox messages are purged in the background, finished ones only; dead-letter topics are made
 * with a retention. Against the real PostgreSQL and Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
class RetentionTest {

    static Connection connect() throws Exception {
        return DriverManager.getConnection(
                Infra.postgres().jdbcUrl(),
                Infra.postgres().username(),
                Infra.postgres().password());
    }

    static void delivery(Connection c, String id, String status, Instant created) throws Exception {
        try (var ps = c.prepareStatement("""
                INSERT INTO dispatch.deliveries (message_id, user_id, channel, request, status, created_at, updated_at,
                    next_attempt_at)
                VALUES (?, 'retention-user', 'email', '{}'::jsonb, ?, ?, ?, ?)""")) {
            ps.setString(1, id);
            ps.setString(2, status);
            ps.setTimestamp(3, Timestamp.from(created));
            ps.setTimestamp(4, Timestamp.from(created));
            // A pending delivery due far in the future: the worker leaves it alone during the test.
            ps.setTimestamp(
                    5, status.equals("pending") ? Timestamp.from(Instant.now().plus(Duration.ofDays(1))) : null);
            ps.executeUpdate();
        }
    }

    static void inbox(Connection c, String id, Instant created) throws Exception {
        try (var ps =
                c.prepareStatement("INSERT INTO dispatch.inbox_messages (message_id, user_id, title, body, created_at)"
                        + " VALUES (?, 'retention-user', 't', 'b', ?)")) {
            ps.setString(1, id);
            ps.setTimestamp(2, Timestamp.from(created));
            ps.executeUpdate();
        }
    }

    static boolean exists(String table, String id) throws Exception {
        try (Connection c = connect();
                var ps = c.prepareStatement("SELECT count(*) FROM dispatch." + table + " WHERE message_id = ?")) {
            ps.setString(1, id);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }

    @Test
    void finishedDeliveriesAndInboxMessagesPastTheirRetentionArePurgedTheRestStays() throws Exception {
        String run = "retention-" + System.nanoTime() + "-";
        Instant old = Instant.now().minus(Duration.ofDays(400));
        Instant recent = Instant.now().minus(Duration.ofDays(1));
        try (Connection c = connect()) {
            delivery(c, run + "old-sent", "sent", old);
            delivery(c, run + "old-failed", "failed", old);
            delivery(c, run + "old-pending", "pending", old);
            delivery(c, run + "recent-sent", "sent", recent);
            inbox(c, run + "old-inbox", old);
            inbox(c, run + "recent-inbox", recent);
        }

        await().atMost(Duration.ofSeconds(30))
                .until(() -> !exists("deliveries", run + "old-sent")
                        && !exists("deliveries", run + "old-failed")
                        && !exists("inbox_messages", run + "old-inbox"));
        assertThat(exists("deliveries", run + "old-pending"))
                .as("still on its way")
                .isTrue();
        assertThat(exists("deliveries", run + "recent-sent")).isTrue();
        assertThat(exists("inbox_messages", run + "recent-inbox")).isTrue();
        try (Connection c = connect();
                var ps = c.prepareStatement("DELETE FROM dispatch.deliveries WHERE message_id = ?")) {
            ps.setString(1, run + "old-pending");
            ps.executeUpdate();
        }
    }

    @Test
    void deadLetterTopicsAreMadeWithARetention() throws Exception {
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers()))) {
            ConfigResource dlq = new ConfigResource(ConfigResource.Type.TOPIC, "onramp.erasures.dlq");
            var config = admin.describeConfigs(List.of(dlq)).all().get().get(dlq);
            assertThat(config.get("retention.ms").value())
                    .isEqualTo(Long.toString(Duration.ofDays(30).toMillis()));
        }
    }
}
