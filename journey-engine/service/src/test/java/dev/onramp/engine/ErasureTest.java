package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Erasing a user from the engine, through the admin API and {@code onramp.erasures}, on the real pipeline: everything
 * about the user and the anonymous ids joined to them goes, a record sent before the erasure but read after it does
 * not bring them back, and a request that is not one is parked.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class ErasureTest {

    static final String TOKEN = "test-admin-token";

    static long rowsAbout(String... ids) throws Exception {
        long rows = 0;
        for (String id : ids) {
            rows += Db.count("SELECT count(*) FROM engine.profiles WHERE user_id = ? OR merged_into = ?", id, id)
                    + Db.count("SELECT count(*) FROM engine.enrollments WHERE user_id = ?", id)
                    + Db.count("SELECT count(*) FROM engine.decisions WHERE user_id = ?", id)
                    + Db.count(
                            "SELECT count(*) FROM engine.outbox WHERE record_key = ? AND topic <> 'onramp.erasures'",
                            id);
        }
        return rows;
    }

    @Test
    void anErasedUserAndTheirJoinedVisitorLeaveNothingBehindAndLateRecordsDoNotBringThemBack() throws Exception {
        // Given a visitor who signed up, in a journey, with a joined anonymous id
        String visitor = "anon-" + UUID.randomUUID();
        String user = JourneyEngineTest.newUser();
        Events.send("onramp.events", visitor, """
                {"type":"track","messageId":"%s","userId":null,"anonymousId":"%s","event":"Signed Up","properties":{},
                 "traits":{},"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), visitor, Instant.now(), Instant.now()));
        Events.send("onramp.events", user, """
                {"type":"identify","messageId":"%s","userId":"%s","anonymousId":"%s","properties":{},
                 "traits":{"email":"%s@example.com"},"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(
                        UUID.randomUUID(), user, visitor, user, Instant.now(), Instant.now()));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(TOKEN)
                .get("/v1/users/{user}/journeys", user)
                .then()
                .statusCode(200)
                .body("joinedIds", contains(visitor))
                .body("journeys[0].status", equalTo("active")));
        assertThat(rowsAbout(user, visitor)).isGreaterThan(3);

        // When an operator erases the user
        String requestId = given().auth()
                .oauth2(TOKEN)
                .post("/v1/users/{user}/erasure", user)
                .then()
                .statusCode(202)
                .body("userId", equalTo(user))
                .extract()
                .path("requestId");
        var published = TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.erasures",
                        r -> user.equals(r.key()) && r.value().contains(requestId),
                        1,
                        Duration.ofSeconds(30))
                .getFirst();
        dev.onramp.infra.Contracts.check(dev.onramp.infra.Contracts.ERASURES, published.value());

        // Then the engine says so, and holds nothing of the user or the visitor
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(TOKEN)
                .get("/v1/users/{user}/erasure", user)
                .then()
                .statusCode(200)
                .body("erased", equalTo(true)));
        assertThat(rowsAbout(user, visitor)).isZero();
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/users/{user}/journeys", user)
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/users/{user}/journeys", visitor)
                .then()
                .statusCode(404);

        // A call the visitor's tab sent before the erasure, read after it, is dropped...
        long before = published.timestamp() - 1_000;
        Events.sendWrittenAt(
                "onramp.events",
                visitor,
                """
                {"type":"track","messageId":"%s","userId":null,"anonymousId":"%s","event":"Said Hello","properties":{},
                 "traits":{},"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), visitor, Instant.ofEpochMilli(before), Instant.ofEpochMilli(before)),
                before);
        // (a record behind it on the same partition shows when it has been read)
        String marker = JourneyEngineTest.newUser();
        Events.sendTo("onramp.events", null, visitor, Events.identifyJson(marker, "{\"plan\":\"team\"}"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.profiles WHERE user_id = ?", marker) == 1);
        assertThat(rowsAbout(user, visitor))
                .as("the late call brought nothing back")
                .isZero();
    }

    @Test
    void anErasureRequestThatIsNotOneIsParkedWithItsReason() throws Exception {
        String key = "poison-" + UUID.randomUUID();
        Events.sendTo("onramp.erasures", null, key, "{\"userId\": 42");

        var parked = TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.erasures.dlq",
                        r -> key.equals(r.key()),
                        1,
                        Duration.ofSeconds(30))
                .getFirst();
        assertThat(new String(parked.headers().lastHeader("onramp-dlq-reason").value(), StandardCharsets.UTF_8))
                .contains("not an erasure request");
    }
}
