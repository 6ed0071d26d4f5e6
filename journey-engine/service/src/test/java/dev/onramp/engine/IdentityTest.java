package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * One person, one user: a visitor's anonymous profile is joined to the user an identify or alias call names, on the
 * real pipeline (Kafka in, PostgreSQL state, the explain API out). docs/journeys.md, "One person, one user".
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class IdentityTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aVisitorWhoSignsUpIsOneProfileWithWhatTheyDidAnonymously() throws Exception {
        String visitor = "anon-" + UUID.randomUUID();
        String user = JourneyEngineTest.newUser();
        anonymous(visitor, "identify", null, "{\"plan\":\"free\",\"referrer\":\"ads\"}");
        anonymous(visitor, "track", "Signed Up", "{}");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> explain(visitor).body("journeys[0].status", equalTo("active")));

        Events.send(
                "onramp.events", user, identify(user, visitor, "{\"email\":\"ada@example.com\",\"plan\":\"team\"}"));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> explain(user).body("joinedIds", contains(visitor)));
        explain(user)
                .body("userId", equalTo(user))
                .body("traits.email", equalTo("ada@example.com"))
                .body("traits.plan", equalTo("team"))
                .body("traits.referrer", equalTo("ads"))
                .body("journeys.size()", equalTo(1))
                .body("journeys[0].journey", equalTo("quickstart"))
                .body("journeys[0].status", equalTo("active"))
                .body("journeys[0].log.kind", hasItem("enrolled"))
                .body("journeys[0].log.kind", hasItem("merged"));
        // Support may look the visitor up by either id: it is the one story.
        explain(visitor).body("userId", equalTo(user)).body("journeys[0].journey", equalTo("quickstart"));

        // The visitor's tab still sends calls with its anonymousId only: they are the user's now, and the next step's
        // email goes to the address given at sign-up.
        anonymous(visitor, "track", "Said Hello", "{}");
        JsonNode email = json.readTree(lastRequestFor(user, "verify-email"));
        assertThat(email.get("channel").asText()).isEqualTo("email");
        assertThat(email.get("user").get("traits").get("email").asText()).isEqualTo("ada@example.com");

        assertThat(Db.count("SELECT count(*) FROM engine.enrollments WHERE user_id = ?", visitor))
                .isZero();
        assertThat(Db.count("SELECT count(*) FROM engine.decisions WHERE user_id = ?", visitor))
                .isZero();
        assertThat(Db.count(
                        "SELECT count(*) FROM engine.profiles WHERE user_id = ? AND merged_into = ?", visitor, user))
                .isOne();
    }

    @Test
    void aCallSentBeforeTheSignUpButAppliedAfterItIsTheUsers() {
        String visitor = "anon-" + UUID.randomUUID();
        String user = JourneyEngineTest.newUser();
        // The identify is applied first (the visitor's call sits on another partition, later).
        Events.send("onramp.events", user, identify(user, visitor, "{\"email\":\"bo@example.com\"}"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> explain(user).body("joinedIds", contains(visitor)));

        anonymous(visitor, "track", "Signed Up", "{}");

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> explain(user).body("journeys[0].status", equalTo("active")));
        explain(visitor).body("userId", equalTo(user));
    }

    @Test
    void enrollmentsOfBothAreNumberedByWhenTheyBeganAndTheirLogFollows() throws Exception {
        String visitor = "anon-" + UUID.randomUUID();
        String user = JourneyEngineTest.newUser();
        // The visitor tried the product first and left; the user signed up later and is onboarding.
        anonymous(visitor, "track", "Signed Up", "{}");
        anonymous(visitor, "track", "Account Deleted", "{}");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> explain(visitor).body("journeys[0].status", equalTo("exited")));
        Events.track(user, "Signed Up", "{}");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> explain(user).body("journeys[0].status", equalTo("active")));

        Events.send("onramp.events", user, alias(visitor, user));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> explain(user).body("joinedIds", contains(visitor)));
        explain(user)
                .body("journeys.cycle", contains(1, 2))
                .body("journeys.status", contains("exited", "active"))
                .body("journeys[0].log.kind", contains("enrolled", "step_current", "exited"))
                .body("journeys[1].log.kind", hasItem("enrolled"))
                .body("journeys[1].log.kind", hasItem("merged"));
        assertThat(Db.count("SELECT count(*) FROM engine.enrollments WHERE user_id = ?", user))
                .isEqualTo(2);
        // A new Signed Up does not enroll again: the continuing enrollment is still the latest.
        Events.track(user, "Signed Up", "{}");
        Events.identify(user, "{\"marker\":1}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> explain(user).body("traits.marker", equalTo(1)));
        explain(user).body("journeys.size()", equalTo(2));
    }

    @Test
    void aUsersOwnProfileIsNeverJoinedToAnother() {
        String victim = JourneyEngineTest.newUser();
        String other = JourneyEngineTest.newUser();
        Events.identify(victim, "{\"email\":\"victim@example.com\"}");
        Events.track(victim, "Signed Up", "{}");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> explain(victim).body("journeys[0].status", equalTo("active")));

        // What a page holding a browser write key could send.
        Events.send("onramp.events", other, alias(victim, other));
        Events.send("onramp.events", other, identify(other, victim, "{\"marker\":1}"));

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> explain(other).body("traits.marker", equalTo(1)));
        explain(other).body("traits.email", nullValue()).body("joinedIds.size()", equalTo(0));
        explain(victim)
                .body("userId", equalTo(victim))
                .body("traits.email", equalTo("victim@example.com"))
                .body("journeys[0].status", equalTo("active"));
        given().get("/q/metrics")
                .then()
                .body(containsString("onramp_engine_identity_joins_total{outcome=\"refused-known\"}"));
    }

    // ---- calls as event-ingest writes them

    private static void anonymous(String anonymousId, String type, String event, String json) {
        String body = "track".equals(type)
                ? """
                {"type":"track","messageId":"%s","userId":null,"anonymousId":"%s","event":"%s","properties":%s,
                 "traits":{},"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), anonymousId, event, json, Instant.now(), Instant.now())
                : """
                {"type":"identify","messageId":"%s","userId":null,"anonymousId":"%s","properties":{},
                 "traits":%s,"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), anonymousId, json, Instant.now(), Instant.now());
        Events.send("onramp.events", anonymousId, body);
    }

    private static String identify(String user, String anonymousId, String traitsJson) {
        return """
                {"type":"identify","messageId":"%s","userId":"%s","anonymousId":"%s","properties":{},
                 "traits":%s,"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), user, anonymousId, traitsJson, Instant.now(), Instant.now());
    }

    private static String alias(String previousId, String user) {
        return """
                {"type":"alias","messageId":"%s","userId":"%s","anonymousId":null,"previousId":"%s","properties":{},
                 "traits":{},"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), user, previousId, Instant.now(), Instant.now());
    }

    private static ValidatableResponse explain(String user) {
        return given().auth()
                .oauth2("test-admin-token")
                .get("/v1/users/{user}/journeys", user)
                .then()
                .statusCode(200);
    }

    private static String lastRequestFor(String user, String step) {
        return TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        JourneyEngineTest.REQUESTS,
                        r -> user.equals(r.key()) && r.value().contains("\"step\":\"" + step + "\""),
                        1,
                        Duration.ofSeconds(30))
                .getLast()
                .value();
    }
}
