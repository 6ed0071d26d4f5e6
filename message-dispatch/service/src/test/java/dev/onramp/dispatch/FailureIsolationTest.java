package dev.onramp.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.onramp.dispatch.inapp.UserHash;
import dev.onramp.infra.Infra;
import dev.onramp.infra.PostgresService;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A request that cannot be stored, a delivery that cannot be prepared, a trait that would break a mail header, a send
 * whose instance died: each ends with its reason, and every other message is delivered.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = WireMockResource.class, restrictToAnnotatedClass = true)
class FailureIsolationTest {

    @Test
    void lineBreaksInATraitNeverReachTheMailHeaders() {
        String user = MessageDispatchTest.newUser();
        String address = user + "@example.com";
        String id = Requests.newId();
        Requests.send(
                user,
                Requests.request(
                        id,
                        user,
                        "email",
                        "[]",
                        "welcome",
                        null,
                        "{\"email\":\"" + address
                                + "\",\"firstName\":\"Ada\\r\\nBcc: evil@example.com\\nX-Evil: 1\"}"));

        ReceivedMail mail = await().atMost(Duration.ofSeconds(30))
                .until(() -> Infra.smtp().mailsTo(address), mails -> !mails.isEmpty())
                .getFirst();
        assertThat(mail.subject()).isEqualTo("Welcome Ada Bcc: evil@example.com X-Evil: 1");
        assertThat(mail.header("Bcc")).isNull();
        assertThat(mail.header("X-Evil")).isNull();
        assertThat(Infra.smtp().mailsTo("evil@example.com")).isEmpty();
        assertThat(MessageDispatchTest.deliveryEvents(id, 1).getFirst().value()).contains("\"status\":\"sent\"");
    }

    @Test
    void aRequestPostgresCannotStoreIsParkedAndTheNextInItsPartitionIsDelivered() {
        String poison = MessageDispatchTest.newUser();
        String user = MessageDispatchTest.newUser();
        String poisonId = Requests.newId();
        String id = Requests.newId();
        Requests.sendTo(
                2,
                poison,
                Requests.request(poisonId, poison, "in_app", "[]", "welcome", null, "{\"firstName\":\"a\\u0000b\"}"));
        Requests.sendTo(2, user, Requests.request(id, user, "in_app", "[]", "welcome", null, "{}"));

        ConsumerRecord<String, String> dead = TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.message-requests.dlq",
                        r -> poison.equals(r.key()),
                        1,
                        Duration.ofSeconds(30))
                .getFirst();
        assertThat(header(dead, "onramp-dlq-reason")).contains("22P05");
        assertThat(header(dead, "onramp-dlq-partition")).isEqualTo("2");
        assertThat(dead.value()).contains(poisonId);
        inboxHas(user, id);
    }

    @Test
    void aDeliveryThatCannotBePreparedFailsWithItsReasonAndTheOthersAreDelivered() throws Exception {
        String broken = Requests.newId();
        try (Connection c = connect();
                var ps = c.prepareStatement("""
                        INSERT INTO dispatch.deliveries (message_id, user_id, channel, request, status, next_attempt_at,
                            created_at, updated_at)
                        VALUES (?, 'someone', 'in_app', '{"messageId": "x"}', 'pending', now(), now(), now())""")) {
            ps.setString(1, broken);
            ps.executeUpdate();
        }
        String user = MessageDispatchTest.newUser();
        String id = Requests.newId();
        Requests.send(user, Requests.request(id, user, "in_app", "[]", "welcome", null, "{}"));

        inboxHas(user, id);
        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(text("status", broken)));
        assertThat(text("last_error", broken)).contains("cannot be prepared");
    }

    @Test
    void aSendWhoseInstanceDiedIsTakenOverWhenItsLeaseRunsOutAndALiveOneIsLeftAlone() throws Exception {
        String user = MessageDispatchTest.newUser();
        String address = user + "@example.com";
        String orphan = Requests.newId();
        String busy = Requests.newId();
        try (Connection c = connect();
                var ps = c.prepareStatement("""
                        INSERT INTO dispatch.deliveries (message_id, user_id, journey, step, channel, request, status,
                            lease_owner, lease_until, created_at, updated_at)
                        VALUES (?, ?, 'onboarding', 'welcome', 'email', ?::jsonb, ?, 'another-instance', now() + ?::interval,
                            now(), now())""")) {
            for (String[] row : new String[][] {{orphan, "queued", "-1 second"}, {busy, "sending", "1 hour"}}) {
                ps.setString(1, row[0]);
                ps.setString(2, user);
                ps.setString(
                        3,
                        Requests.request(
                                row[0], user, "email", "[]", "welcome", null, "{\"email\":\"" + address + "\"}"));
                ps.setString(4, row[1]);
                ps.setString(5, row[2]);
                ps.executeUpdate();
            }
        }

        ReceivedMail mail = await().atMost(Duration.ofSeconds(30))
                .until(() -> Infra.smtp().mailsTo(address), mails -> !mails.isEmpty())
                .getFirst();
        assertThat(mail.header("Message-ID")).isEqualTo("<" + orphan + "@onramp>");
        // The mail server has the message a moment before the ledger says so.
        await().atMost(Duration.ofSeconds(10)).until(() -> "sent".equals(text("status", orphan)));
        assertThat(text("status", busy)).isEqualTo("sending");
        assertThat(text("lease_owner", busy)).isEqualTo("another-instance");
        assertThat(Infra.smtp().mailsTo(address)).hasSize(1);
    }

    @Test
    void aSendWhoseOutcomeCannotBeWrittenEndsFailedOnceAndTheSendsRecordedWithItAreNotHeldUp() throws Exception {
        String poison = MessageDispatchTest.newUser();
        String poisonAddress = poison + "@example.com";
        String poisonId = Requests.newId();
        // A real refusal by PostgreSQL, not a transient one: this user's delivery cannot become "sent".
        try (Connection c = connect();
                var s = c.createStatement()) {
            s.execute("""
                    CREATE FUNCTION dispatch.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      IF NEW.user_id = '%s' AND NEW.status = 'sent' THEN
                        RAISE EXCEPTION 'this outcome cannot be stored' USING ERRCODE = 'check_violation';
                      END IF;
                      RETURN NEW;
                    END $$""".formatted(poison));
            s.execute("CREATE TRIGGER refuse_poison BEFORE UPDATE ON dispatch.deliveries"
                    + " FOR EACH ROW EXECUTE FUNCTION dispatch.refuse_poison()");
        }
        try {
            List<String[]> others = new ArrayList<>();
            Requests.send(
                    poison,
                    Requests.request(
                            poisonId, poison, "email", "[]", "welcome", null, "{\"email\":\"" + poisonAddress + "\"}"));
            for (int i = 0; i < 5; i++) {
                String user = MessageDispatchTest.newUser();
                String id = Requests.newId();
                others.add(new String[] {id, user + "@example.com"});
                Requests.send(
                        user,
                        Requests.request(
                                id, user, "email", "[]", "welcome", null, "{\"email\":\"" + user + "@example.com\"}"));
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(text("status", poisonId)));
            assertThat(text("last_error", poisonId))
                    .contains("the outcome of the send (SENT) could not be recorded")
                    .contains("this outcome cannot be stored");
            assertThat(text("lease_owner", poisonId)).isNull();
            for (String[] other : others) {
                await().atMost(Duration.ofSeconds(30)).until(() -> "sent".equals(text("status", other[0])));
                assertThat(Infra.smtp().mailsTo(other[1])).hasSize(1);
            }
            // Failed, not left in "sending": nobody sends it again when its lease (3 s here) would have run out.
            await().during(Duration.ofSeconds(4))
                    .atMost(Duration.ofSeconds(6))
                    .until(() -> Infra.smtp().mailsTo(poisonAddress).size() == 1);
            given().get("/q/metrics")
                    .then()
                    .statusCode(200)
                    .body(containsString("onramp_dispatch_parked_total{reason=\"sqlstate-23514\",stage=\"outcomes\"}"));
        } finally {
            try (Connection c = connect();
                    var s = c.createStatement()) {
                s.execute("DROP TRIGGER refuse_poison ON dispatch.deliveries");
                s.execute("DROP FUNCTION dispatch.refuse_poison()");
            }
        }
    }

    private static void inboxHas(String user, String id) {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().header("X-Onramp-User-Hash", UserHash.of(MessageDispatchTest.SECRET, user))
                        .get("/v1/inbox/{user}/messages", user)
                        .then()
                        .statusCode(200)
                        .body("messages[0].id", equalTo(id)));
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        assertThat(header).as("header " + name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String text(String column, String messageId) throws Exception {
        try (Connection c = connect();
                var ps = c.prepareStatement("SELECT " + column + " FROM dispatch.deliveries WHERE message_id = ?")) {
            ps.setString(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static Connection connect() throws Exception {
        PostgresService postgres = Infra.postgres();
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }
}
