package dev.onramp.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.Infra;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.RestartableSmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The SMTP server goes away while messages are due: they wait in PostgreSQL with their attempts counted and are
 * retried with backoff; when it returns, each is delivered exactly once.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RestartableSmtpResource.class, restrictToAnnotatedClass = true)
class SmtpOutageTest {

    static final int MESSAGES = 30;

    @Inject
    DataSource dataSource;

    @Test
    void everyEmailIsDeliveredOnceWhenTheSmtpServerComesBack() throws Exception {
        String run = "outage-" + System.currentTimeMillis() + "-";
        RestartableSmtpResource.stopServer();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            String user = run + i;
            String id = Requests.newId();
            ids.add(id);
            Requests.send(
                    user,
                    Requests.request(
                            id, user, "email", "[]", "welcome", null, "{\"email\":\"" + user + "@example.com\"}"));
        }

        // While the server is away, every message waits, retried, not failed.
        await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> attempts(run),
                        a -> a.size() == MESSAGES && a.values().stream().allMatch(n -> n >= 2));
        // Waiting for the next attempt, or in one: never failed, never sent.
        assertThat(statuses(run).keySet()).isSubsetOf("pending", "queued", "sending");

        RestartableSmtpResource.startServer();
        await().atMost(Duration.ofSeconds(90)).until(() -> mailsOf(run).size() >= MESSAGES);
        TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.delivery-events",
                r -> r.value().contains(run),
                MESSAGES,
                Duration.ofSeconds(30));
        // Settled: every delivery recorded as sent, and staying so, before counting what arrived (a message sent
        // twice would have to leave that state to be sent again).
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30)).until(() -> statuses(run)
                .equals(Map.of("sent", (long) MESSAGES)));
        var events = TopicReader.all(
                Infra.kafka().bootstrapServers(),
                "onramp.delivery-events",
                r -> r.value().contains(run),
                Duration.ofSeconds(3));

        List<ReceivedMail> mails = mailsOf(run);
        Map<String, Long> byMessageId = mails.stream()
                .collect(Collectors.groupingBy(m -> m.header("X-Onramp-Message-Id"), Collectors.counting()));
        assertThat(byMessageId).hasSize(MESSAGES).containsOnlyKeys(ids);
        assertThat(byMessageId.values()).as("mails per message").containsOnly(1L);
        assertThat(events).hasSize(MESSAGES).allSatisfy(e -> assertThat(e.value())
                .contains("\"status\":\"sent\""));
        assertThat(statuses(run)).containsOnlyKeys("sent");
        System.out.printf(
                "SMTP outage: %d emails waited (attempts while away: %s), all delivered once when it returned%n",
                MESSAGES, attempts(run).values().stream().sorted().toList());
    }

    private static List<ReceivedMail> mailsOf(String run) {
        return RestartableSmtpResource.allMails().stream()
                .filter(m -> m.to().stream().anyMatch(t -> t.startsWith(run)))
                .toList();
    }

    private Map<String, Integer> attempts(String run) throws Exception {
        return query("SELECT message_id, attempts FROM deliveries WHERE user_id LIKE ?", run, rs -> rs.getInt(2));
    }

    private Map<String, Long> statuses(String run) throws Exception {
        return query("SELECT message_id, status FROM deliveries WHERE user_id LIKE ?", run, rs -> rs.getString(2))
                .values()
                .stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    interface Column<T> {
        T get(ResultSet rs) throws java.sql.SQLException;
    }

    private <T> Map<String, T> query(String sql, String run, Column<T> column) throws Exception {
        Map<String, T> result = new java.util.HashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, run + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.put(rs.getString(1), column.get(rs));
                }
            }
        }
        return result;
    }
}
