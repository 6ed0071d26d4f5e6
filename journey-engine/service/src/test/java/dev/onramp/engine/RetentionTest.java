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
}
