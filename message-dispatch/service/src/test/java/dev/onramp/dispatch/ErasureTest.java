package dev.onramp.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Erasing a user from message-dispatch, from a request on {@code onramp.erasures}: deliveries, inbox, conversations,
 * preferences go;
 * an address the user had unsubscribed from stays suppressed, as a digest only; a request decided before the erasure
 * but read after it is dropped. Against the real SMTP server, Kafka and PostgreSQL.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
class ErasureTest {

    final ChannelsTest events = new ChannelsTest();

    static long rows(String sql, String value) throws Exception {
        try (var c = DriverManager.getConnection(
                        Infra.postgres().jdbcUrl(),
                        Infra.postgres().username(),
                        Infra.postgres().password());
                var q = c.prepareStatement(sql)) {
            q.setString(1, value);
            try (var rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static long about(String user, String address) throws Exception {
        return rows("SELECT count(*) FROM dispatch.deliveries WHERE user_id = ?", user)
                + rows("SELECT count(*) FROM dispatch.inbox_messages WHERE user_id = ?", user)
                + rows("SELECT count(*) FROM dispatch.preferences WHERE user_id = ?", user)
                + rows("SELECT count(*) FROM dispatch.conversations WHERE user_id = ?", user)
                + rows("SELECT count(*) FROM dispatch.outbox WHERE record_key = ?", user)
                + rows("SELECT count(*) FROM dispatch.suppressions WHERE address = ?", address);
    }

    static void send(String topic, String key, String value, Long timestamp) {
        try (var producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers()),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, null, timestamp, key, value))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anErasedUserLeavesOnlyADigestOfTheAddressTheyUnsubscribedFrom() throws Exception {
        // Given a user with an email, an in-app message, and every email turned off on the preference page
        String user = ChannelsTest.newUser();
        String address = user + "@example.com";
        String traits = "{\"email\":\"" + address + "\"}";
        String[] links = LinksSecurityTest.emailLinks(user, address);
        Requests.send(user, Requests.request(Requests.newId(), user, "in_app", "[]", "welcome", null, traits));
        given().contentType("application/x-www-form-urlencoded")
                .formParam("shown", "*|email")
                .post(links[1])
                .then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> rows("SELECT count(*) FROM dispatch.inbox_messages WHERE user_id = ?", user) == 1);
        // ...who sent feedback
        ConversationsTest.write(user, "{\"text\":\"My card is 4242 4242 4242 4242, please fix billing\"}")
                .statusCode(201);
        assertThat(rows("SELECT count(*) FROM dispatch.conversations WHERE user_id = ?", user))
                .isEqualTo(1);
        assertThat(about(user, address)).isGreaterThanOrEqualTo(6);

        // When the erasure request arrives
        Instant requestedAt = Instant.now();
        String erasure = """
                {"requestId":"%s","userId":"%s","requestedAt":"%s"}""".formatted(UUID.randomUUID(), user, requestedAt);
        Contracts.check(Contracts.ERASURES, erasure);
        send("onramp.erasures", user, erasure, null);

        // Then nothing about the user is left, but the address stays suppressed, as a digest
        await().atMost(Duration.ofSeconds(30)).until(() -> about(user, address) == 0);
        assertThat(rows(
                        "SELECT count(*) FROM dispatch.suppressions WHERE address = ?",
                        dev.onramp.pipeline.Tombstones.digest(address)))
                .isOne();

        // A request decided before the erasure, read after it, is dropped...
        String stale = Requests.newId();
        send(
                "onramp.message-requests",
                user,
                Requests.request(stale, user, "in_app", "[]", "welcome", null, traits),
                requestedAt.toEpochMilli() - 1_000);
        // ...and an email to the same address later (the user came back) is suppressed, never sent.
        String later = Requests.newId();
        Requests.send(user, Requests.request(later, user, "email", "[]", "welcome", null, traits));
        JsonNode outcome = events.eventsOf(
                        user,
                        1,
                        e -> later.equals(e.path("messageId").asText())
                                && !e.path("status").asText().equals("sent"))
                .getFirst();
        assertThat(outcome.path("status").asText()).isIn("suppressed", "failed");
        assertThat(outcome.path("detail").asText()).contains("unsubscribed from every email before being erased");
        assertThat(rows("SELECT count(*) FROM dispatch.deliveries WHERE message_id = ?", stale))
                .isZero();
        assertThat(Infra.smtp().mailsTo(address)).hasSize(1);
    }

    @Test
    void anErasureRequestThatIsNotOneIsParked() {
        String key = "poison-" + UUID.randomUUID();
        send("onramp.erasures", key, "not json", null);

        var parked = dev.onramp.infra.TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.erasures.dlq",
                        r -> key.equals(r.key()),
                        1,
                        Duration.ofSeconds(30))
                .getFirst();
        assertThat(new String(parked.headers().lastHeader("onramp-dlq-reason").value()))
                .contains("not an erasure request");
        assertThat(List.of(parked.key())).containsExactly(key);
    }
}
