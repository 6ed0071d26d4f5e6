package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Incidents on the real pipeline: an update and the resolve reach exactly the users who received the first notice —
 * not one who signed up after it, not one who unsubscribed from it — and the timeline counts each message.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class IncidentsTest {

    static ValidatableResponse post(String path, String key, String body) {
        var request = given().auth()
                .oauth2(BroadcastsTest.TOKEN)
                .contentType("application/json")
                .body(body);
        if (key != null) {
            request = request.header("Idempotency-Key", key);
        }
        return request.post(path).then();
    }

    static JsonNode incident(String id) throws Exception {
        return BroadcastsTest.JSON.readTree(given().auth()
                .oauth2(BroadcastsTest.TOKEN)
                .get("/v1/incidents/{id}", id)
                .then()
                .statusCode(200)
                .extract()
                .asString());
    }

    @Test
    void updatesAndTheResolveReachExactlyTheNoticesRecipients() throws Exception {
        String cohort = UUID.randomUUID().toString();
        List<String> users =
                BroadcastsTest.knownUsers(4, "{\"cohort\":\"" + cohort + "\",\"email\":\"$USER@example.com\"}");
        String leaver = users.get(3);

        String id = post("/v1/incidents", null, """
                        {"title": "Sign-in failing on the EU cluster", "audience": {"where": "user.traits.cohort == '%s'"},
                         "channels": ["email", "in_app"], "template": "verify-email", "sender": "joel",
                         "nextUpdateBy": "2030-01-01T14:00:00Z"}""".formatted(cohort))
                .statusCode(201)
                .header("Location", startsWith("/v1/incidents/inc-"))
                .body("state", equalTo("open"))
                .body("holdNudges", equalTo(true))
                .body("timeline[0].part", equalTo("notice"))
                .body("timeline[0].broadcast.priority", equalTo("urgent"))
                .extract()
                .path("id");
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        incident(id).at("/timeline/0/broadcast/state").asText().equals("sent"));
        String notice = incident(id).at("/timeline/0/broadcast/id").asText();
        var noticeRequests = BroadcastsTest.requestsOf(notice, Duration.ofSeconds(1));
        assertThat(noticeRequests).hasSize(4);
        JsonNode first = BroadcastsTest.JSON.readTree(noticeRequests.getFirst().value());
        assertThat(first.get("origin").asText()).isEqualTo("incident");
        assertThat(first.at("/context/incident").asText()).isEqualTo(id);
        assertThat(first.at("/context/nextUpdateAt").asText()).isEqualTo("14:00 UTC");

        // One recipient unsubscribes from the notice; another user signs up after it.
        String leaversMessage = noticeRequests.stream()
                .filter(r -> r.key().equals(leaver))
                .map(r -> TopicReader.messageIdOf(r.value()))
                .findFirst()
                .orElseThrow();
        String report = """
                {"messageId":"%s","userId":"%s","journey":null,"step":null,"channel":"email","status":"unsubscribed",
                 "at":"%s","detail":null,"scope":"channel","broadcast":"%s"}""".formatted(leaversMessage, leaver, Instant.now(), notice);
        Contracts.check(Contracts.DELIVERY_EVENTS, report);
        Events.sendTo("onramp.delivery-events", null, leaver, report);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> incident(id)
                                .at("/timeline/0/broadcast/funnel/unsubscribed")
                                .asLong()
                        == 1);
        String latecomer = BroadcastsTest.knownUsers(
                        1, "{\"cohort\":\"" + cohort + "\",\"email\":\"$USER@example.com\"}")
                .getFirst();

        String key = "update-" + UUID.randomUUID();
        String update = """
                {"channels": ["in_app"], "template": "say-hello", "sender": "joel", "nextUpdateBy": "2030-01-01T16:00:00Z"}""";
        post("/v1/incidents/" + id + "/updates", key, update)
                .statusCode(201)
                .body("timeline[1].part", equalTo("update"))
                .body("timeline[1].broadcast.audience.size", equalTo(3));
        post("/v1/incidents/" + id + "/updates", key, update)
                .statusCode(201)
                .header("Idempotent-Replayed", "true")
                .body("timeline.size()", equalTo(2));
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        incident(id).at("/timeline/1/broadcast/state").asText().equals("sent"));
        String updateId = incident(id).at("/timeline/1/broadcast/id").asText();
        assertThat(BroadcastsTest.requestsOf(updateId, Duration.ofSeconds(1)).stream()
                        .map(ConsumerRecord::key))
                .containsExactlyInAnyOrderElementsOf(users.subList(0, 3))
                .doesNotContain(leaver, latecomer);

        post("/v1/incidents/" + id + "/resolve", null, """
                        {"channels": ["email", "in_app"], "template": "verify-email", "sender": "joel"}""")
                .statusCode(201)
                .body("state", equalTo("resolved"))
                .body("timeline[2].part", equalTo("resolve"))
                .body("timeline[2].broadcast.audience.size", equalTo(3));
        post("/v1/incidents/" + id + "/updates", null, update)
                .statusCode(409)
                .body("detail", containsString("was resolved"));
        JsonNode timeline = incident(id);
        assertThat(timeline.get("recipients").asLong()).isEqualTo(4);
        assertThat(timeline.at("/timeline/1/nextUpdateBy").asText()).isEqualTo("2030-01-01T16:00:00Z");
    }

    @Test
    void anOpenIncidentHoldsTheJourneyMessagesOfThoseItToldAndTheResolveLetsThemGo() throws Exception {
        List<String> told = BroadcastsTest.knownUsers(1, "{\"firstName\":\"Ada\"}");
        List<String> notTold = BroadcastsTest.knownUsers(1, "{\"firstName\":\"Bo\"}");
        String id = post("/v1/incidents", null, """
                        {"title": "Outage", "audience": {"users": [%s]}, "channels": ["in_app"], "template": "say-hello"}""".formatted(BroadcastsTest.listed(told)))
                .statusCode(201)
                .extract()
                .path("id");
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        incident(id).at("/timeline/0/broadcast/state").asText().equals("sent"));

        // Both sign up; the quickstart's first nudge is due a second later.
        Events.track(told.getFirst(), "Signed Up", "{}");
        Events.track(notTold.getFirst(), "Signed Up", "{}");
        JourneyEngineTest.requestsFor(notTold.getFirst(), 1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(BroadcastsTest.TOKEN)
                .get("/v1/users/{user}/journeys", told.getFirst())
                .then()
                .statusCode(200)
                .body("blocked.'held:" + id + "'", startsWith("incident " + id + " open since"))
                .body("journeys[0].log.detail", hasItem(containsString("held: incident " + id))));
        assertThat(journeyRequests(told.getFirst())).isEmpty();

        post("/v1/incidents/" + id + "/resolve", null, """
                        {"channels": ["in_app"], "template": "say-hello"}""").statusCode(201);
        TopicReader.await(
                Infra.kafka().bootstrapServers(),
                BroadcastsTest.REQUESTS,
                r -> told.getFirst().equals(r.key()) && r.value().contains("\"origin\":\"journey\""),
                1,
                Duration.ofSeconds(30));
        var released = journeyRequests(told.getFirst());
        assertThat(released).hasSize(1);
        assertThat(released.getFirst().value()).contains("\"step\":\"say-hello\"");
    }

    /** The user's journey messages so far, waiting a moment for any that would come late. */
    static List<ConsumerRecord<String, String>> journeyRequests(String user) {
        return TopicReader.all(
                Infra.kafka().bootstrapServers(),
                BroadcastsTest.REQUESTS,
                r -> user.equals(r.key()) && r.value().contains("\"origin\":\"journey\""),
                Duration.ofSeconds(2));
    }

    @Test
    void anUpdateWhileTheNoticeIsStillBeingSentIsRefusedAndAnAudienceIsNotAnUpdatesToChoose() throws Exception {
        List<String> users = BroadcastsTest.knownUsers(5, "{\"firstName\":\"Sam\"}");
        String id = post("/v1/incidents", null, """
                        {"title": "Slow notice", "audience": {"users": [%s]}, "channels": ["in_app"],
                         "template": "say-hello", "rate": 1}""".formatted(BroadcastsTest.listed(users)))
                .statusCode(201)
                .extract()
                .path("id");
        post("/v1/incidents/" + id + "/updates", null, """
                        {"channels": ["in_app"], "template": "say-hello"}""")
                .statusCode(409)
                .body("detail", containsString("still being sent"));
        post("/v1/incidents/" + id + "/updates", null, """
                        {"channels": ["in_app"], "template": "say-hello", "audience": {"all": true}}""")
                .statusCode(400)
                .body("errors[0].pointer", equalTo("/audience"));
    }
}
