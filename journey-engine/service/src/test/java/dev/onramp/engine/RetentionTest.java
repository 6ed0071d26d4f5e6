package dev.onramp.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Journey-log entries past their retention are purged in the background; newer ones stay. Real PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class RetentionTest {

    static void decision(String user, Instant at) throws Exception {
        try (var c = Db.connect();
                var ps = c.prepareStatement("INSERT INTO engine.decisions (at, user_id, journey, cycle, kind, detail)"
                        + " VALUES (?, ?, 'quickstart', 1, 'enrolled', 'test')")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setString(2, user);
            ps.executeUpdate();
        }
    }

    @Test
    void decisionsOlderThanTheirRetentionArePurged() throws Exception {
        String old = "retention-old-" + UUID.randomUUID();
        String recent = "retention-recent-" + UUID.randomUUID();
        decision(old, Instant.now().minus(Duration.ofDays(500)));
        decision(recent, Instant.now().minus(Duration.ofDays(300)));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.decisions WHERE user_id = ?", old) == 0);
        assertThat(Db.count("SELECT count(*) FROM engine.decisions WHERE user_id = ?", recent))
                .isOne();
    }

    static void conversation(String id, String user, Instant lastActivity) throws Exception {
        try (var c = Db.connect();
                var ps = c.prepareStatement(
                        "INSERT INTO engine.conversations (id, user_id, channel, opened_at, updated_at)"
                                + " VALUES (?, ?, 'in_app', ?, ?)");
                var message = c.prepareStatement(
                        "INSERT INTO engine.conversation_messages"
                                + " (id, conversation_id, user_id, author, text, at) VALUES (?, ?, ?, 'user', 'Where is it?', ?)")) {
            ps.setString(1, id);
            ps.setString(2, user);
            ps.setTimestamp(3, Timestamp.from(lastActivity));
            ps.setTimestamp(4, Timestamp.from(lastActivity));
            ps.executeUpdate();
            message.setString(1, "m-" + id);
            message.setString(2, id);
            message.setString(3, user);
            message.setTimestamp(4, Timestamp.from(lastActivity));
            message.executeUpdate();
        }
    }

    @Test
    void conversationsQuietForLongerThanTheirRetentionArePurgedWithTheirMessages() throws Exception {
        String user = "retention-talk-" + UUID.randomUUID();
        conversation("cv-old-" + user, user, Instant.now().minus(Duration.ofDays(400)));
        conversation("cv-recent-" + user, user, Instant.now().minus(Duration.ofDays(300)));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.conversations WHERE id = ?", "cv-old-" + user) == 0);
        assertThat(Db.count(
                        "SELECT count(*) FROM engine.conversation_messages WHERE conversation_id = ?",
                        "cv-old-" + user))
                .as("its messages go with it")
                .isZero();
        assertThat(Db.count("SELECT count(*) FROM engine.conversations WHERE id = ?", "cv-recent-" + user))
                .isOne();
        assertThat(Db.count(
                        "SELECT count(*) FROM engine.conversation_messages WHERE conversation_id = ?",
                        "cv-recent-" + user))
                .isOne();
    }
}
