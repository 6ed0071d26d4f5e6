package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * An SDK sends a call again when the answer to the first was lost: the engine gets the same message id twice. Within
 * the dedupe window (24 h) the second is acknowledged and not applied — here, an old identify sent again must not
 * undo a newer one — and after the window it is a new event again.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class DuplicateEventsTest {

    @Test
    void aMessageIdAppliedWithinTheWindowIsNotAppliedAgainAndIsAfterIt() throws Exception {
        String user = JourneyEngineTest.newUser();
        String first = UUID.randomUUID().toString();
        Events.send("onramp.events", user, identify(first, user, "{\"plan\":\"free\"}"));
        Events.send("onramp.events", user, identify(UUID.randomUUID().toString(), user, "{\"plan\":\"team\"}"));
        // The first call again, as a retrying SDK sends it; then a marker to know it was consumed.
        Events.send("onramp.events", user, identify(first, user, "{\"plan\":\"free\"}"));
        Events.send("onramp.events", user, identify(UUID.randomUUID().toString(), user, "{\"seats\":3}"));

        awaitTraits(user, "seats", 3);
        traits(user).body("traits.plan", equalTo("team"));
        given().get("/q/metrics").then().body(containsString("onramp_engine_records_total{outcome=\"duplicate\"}"));

        // A day later the id is forgotten: the same call is a new event.
        try (Connection c = Db.connect();
                var ps = c.prepareStatement(
                        "UPDATE engine.seen_messages SET seen_at = now() - interval '25 hours' WHERE id = ?")) {
            ps.setObject(1, dev.onramp.engine.state.SeenMessages.idOf(user, first));
            org.assertj.core.api.Assertions.assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        Events.send("onramp.events", user, identify(first, user, "{\"plan\":\"free\"}"));
        Events.send("onramp.events", user, identify(UUID.randomUUID().toString(), user, "{\"seats\":4}"));
        awaitTraits(user, "seats", 4);
        traits(user).body("traits.plan", equalTo("free"));
    }

    @Test
    void aDeliveryReportRelayedAgainIsAppliedOnceAndNeverSetsAnOlderStatusAgain() {
        // Given a user who was sent the quickstart's first nudge
        String user = JourneyEngineTest.newUser();
        Events.track(user, "Signed Up", "{}");
        String messageId = JourneyEngineTest.requestsFor(user, 1)
                .getFirst()
                .value()
                .replaceAll(".*\"messageId\":\"([^\"]+)\".*", "$1");
        String deliveredAt = Instant.now().toString();

        // When message-dispatch's relay sends "delivered" again after a crash, also after the later "read"
        Events.send("onramp.delivery-events", user, report(messageId, user, "delivered", deliveredAt));
        Events.send("onramp.delivery-events", user, report(messageId, user, "delivered", deliveredAt));
        Events.send(
                "onramp.delivery-events",
                user,
                report(messageId, user, "read", Instant.now().toString()));
        Events.send("onramp.delivery-events", user, report(messageId, user, "delivered", deliveredAt));
        Events.send(
                "onramp.delivery-events",
                user,
                report(messageId, user, "clicked", Instant.now().toString()));

        // Then the journey log tells each report once, and the message's status is the latest one
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> traits(user)
                .body(
                        "journeys[0].log.findAll { it.kind == 'delivery' }.detail",
                        org.hamcrest.Matchers.contains(
                                org.hamcrest.Matchers.startsWith("delivered"),
                                org.hamcrest.Matchers.startsWith("read"),
                                org.hamcrest.Matchers.startsWith("clicked")))
                .body("journeys[0].sent[0].status", equalTo("clicked")));
    }

    private static String report(String messageId, String user, String status, String at) {
        return """
                {"messageId":"%s","userId":"%s","journey":"quickstart","step":"say-hello","channel":"in_app",\
                "status":"%s","at":"%s","detail":null}""".formatted(messageId, user, status, at);
    }

    private static String identify(String messageId, String user, String traitsJson) {
        return """
                {"type":"identify","messageId":"%s","userId":"%s","anonymousId":null,"properties":{},
                 "traits":%s,"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(messageId, user, traitsJson, Instant.now(), Instant.now());
    }

    private static void awaitTraits(String user, String trait, int value) {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> traits(user).body("traits." + trait, equalTo(value)));
    }

    private static io.restassured.response.ValidatableResponse traits(String user) {
        return given().auth()
                .oauth2("test-admin-token")
                .get("/v1/users/{user}/journeys", user)
                .then()
                .statusCode(200);
    }
}
