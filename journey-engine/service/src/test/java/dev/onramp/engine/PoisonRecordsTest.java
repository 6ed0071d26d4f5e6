package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * One bad record, one bad user's state, one message too large for Kafka: each is parked with its reason, and
 * everyone else's events and timers go on.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class PoisonRecordsTest {

    @Test
    void aRecordPostgresCannotStoreIsParkedAndEveryoneAfterItInItsPartitionIsEnrolled() {
        String poison = "nul-" + UUID.randomUUID();
        // Valid JSON, but PostgreSQL's jsonb refuses a NUL character: the whole batch fails until it is found.
        Events.sendTo("onramp.events", 0, poison, Events.identifyJson(poison, "{\"nick\":\"a\\u0000b\"}"));
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String user = JourneyEngineTest.newUser();
            users.add(user);
            Events.sendTo("onramp.events", 0, user, Events.trackJson(user, "Signed Up", "{}"));
        }

        ConsumerRecord<String, String> dead = deadLetter("onramp.events.dlq", poison);
        assertThat(header(dead, "onramp-dlq-reason")).contains("22P05");
        assertThat(header(dead, "onramp-dlq-topic")).isEqualTo("onramp.events");
        assertThat(header(dead, "onramp-dlq-partition")).isEqualTo("0");
        assertThat(Long.parseLong(header(dead, "onramp-dlq-offset"))).isNotNegative();
        assertThat(dead.value()).contains("a\\u0000b");
        users.forEach(user -> JourneyEngineTest.requestsFor(user, 1));
        assertThat(metrics())
                .containsPattern("onramp_engine_parked_total\\{reason=\"sqlstate-22P05\",stage=\"events\"\\} [1-9]");
    }

    @Test
    void refusesTraitsPastTheProfileLimitsAndKeepsTheRest() {
        String user = JourneyEngineTest.newUser();
        Events.identify(user, "{\"firstName\":\"Ada\",\"essay\":\"" + "x".repeat(20_000) + "\"}");
        Events.track(user, "Signed Up", "{}");
        JourneyEngineTest.requestsFor(user, 1);

        given().auth()
                .oauth2("test-admin-token")
                .get("/v1/users/{user}/journeys", user)
                .then()
                .statusCode(200)
                .body("traits.firstName", org.hamcrest.Matchers.equalTo("Ada"))
                .body("traits.essay", org.hamcrest.Matchers.nullValue());
        assertThat(metrics()).containsPattern("onramp_engine_traits_refused_total [1-9]");
    }

    @Test
    void aMessageKafkaRefusesAsTooLargeGoesToTheDeadLetterTopicAndTheOthersAreSent() {
        String big = JourneyEngineTest.newUser();
        String small = JourneyEngineTest.newUser();
        // Under Kafka's 1 MB as an event; over it as a message request, which adds the user's traits.
        String bio = "y".repeat(8_000);
        Events.identify(big, "{\"bio\":\"" + bio + "\",\"motto\":\"" + bio + "\",\"quote\":\"" + bio + "\"}");
        Events.sendTo(
                "onramp.events",
                null,
                big,
                Events.trackJson(big, "Signed Up", "{\"blob\":\"" + randomLetters(1_040_000) + "\"}"));
        Events.track(small, "Signed Up", "{}");

        JourneyEngineTest.requestsFor(small, 1);
        ConsumerRecord<String, String> dead = deadLetter("onramp.message-requests.dlq", big);
        assertThat(header(dead, "onramp-dlq-reason")).contains("RecordTooLargeException");
        assertThat(Integer.parseInt(header(dead, "onramp-dlq-size"))).isGreaterThan(1_048_576);
        assertThat(dead.value().length()).isLessThanOrEqualTo(256 * 1024);
    }

    @Test
    void passesOverAGapInTheLogLeftByAnAbortedTransaction() throws Exception {
        String before = JourneyEngineTest.newUser();
        String aborted = JourneyEngineTest.newUser();
        String after = JourneyEngineTest.newUser();
        Events.sendTo("onramp.events", 1, before, Events.trackJson(before, "Signed Up", "{}"));
        JourneyEngineTest.requestsFor(before, 1);
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                Infra.kafka().bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "gap-" + UUID.randomUUID());
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(
                        "onramp.events", 1, aborted, Events.trackJson(aborted, "Signed Up", "{}")));
            }
            producer.flush();
            producer.abortTransaction();
        }
        // The consumer reads committed records only: the offsets above, and the abort marker, are a gap.
        Events.sendTo("onramp.events", 1, after, Events.trackJson(after, "Signed Up", "{}"));

        JourneyEngineTest.requestsFor(after, 1);
        assertThat(Db.count("SELECT count(*) FROM engine.enrollments WHERE user_id = ?", aborted))
                .isZero();
    }

    @Test
    void parksTheTimerOfAUserWhoseStateCannotBeReadAndFiresEveryoneElses() throws Exception {
        String broken = JourneyEngineTest.newUser();
        try (Connection c = Db.connect();
                var profile =
                        c.prepareStatement("INSERT INTO engine.profiles (user_id, updated_at) VALUES (?, now())");
                var enrollment = c.prepareStatement("""
                        INSERT INTO engine.enrollments (user_id, journey, cycle, status, enrolled_at, holdout,
                            trigger_properties, done, current_step, current_since, next_message, due_at, sent)
                        VALUES (?, 'quickstart', 1, 'active', now(), false, '{}', '{"say-hello": "not a time"}',
                            'say-hello', now(), 0, now() - interval '1 second', '[]')""")) {
            profile.setString(1, broken);
            profile.executeUpdate();
            enrollment.setString(1, broken);
            enrollment.executeUpdate();
        }
        String fine = JourneyEngineTest.newUser();
        Events.track(fine, "Signed Up", "{}");

        JourneyEngineTest.requestsFor(fine, 1);
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        Db.count("SELECT count(*) FROM engine.decisions WHERE user_id = ? AND kind = 'parked'", broken)
                                == 1);
        assertThat(Db.count("SELECT count(*) FROM engine.enrollments WHERE user_id = ? AND due_at IS NOT NULL", broken))
                .isZero();
    }

    private static ConsumerRecord<String, String> deadLetter(String topic, String key) {
        return TopicReader.await(
                        Infra.kafka().bootstrapServers(), topic, r -> key.equals(r.key()), 1, Duration.ofSeconds(60))
                .getFirst();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        assertThat(header).as("header " + name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static String randomLetters(int length) {
        var random = new java.util.Random(42);
        char[] letters = new char[length];
        for (int i = 0; i < length; i++) {
            letters[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(letters);
    }
}
