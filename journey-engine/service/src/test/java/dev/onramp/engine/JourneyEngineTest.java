package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class JourneyEngineTest {

    static final String REQUESTS = "onramp.message-requests";
    final ObjectMapper json = new ObjectMapper();

    static String newUser() {
        return "user-" + UUID.randomUUID();
    }

    /** The user's message requests, each checked against the message-requests contract. */
    static List<ConsumerRecord<String, String>> requestsFor(String user, int count) {
        var records = TopicReader.await(
                Infra.kafka().bootstrapServers(), REQUESTS, r -> user.equals(r.key()), count, Duration.ofSeconds(30));
        records.forEach(r -> Contracts.check(Contracts.MESSAGE_REQUESTS, r.value()));
        return records;
    }

    @Test
    void sendsEachNextStepAsAMessageRequestOnceItsDelayHasPassed() throws Exception {
        String user = newUser();
        Events.identify(user, "{\"email\":\"ada@example.com\",\"firstName\":\"Ada\"}");
        Instant signedUp = Instant.now();
        Events.track(user, "Signed Up", "{\"plan\":\"team\"}");

        JsonNode nudge = json.readTree(requestsFor(user, 1).getFirst().value());
        assertThat(nudge.get("step").asText()).isEqualTo("say-hello");
        assertThat(nudge.get("channel").asText()).isEqualTo("in_app");
        assertThat(nudge.get("kind").asText()).isEqualTo("nudge");
        assertThat(nudge.get("template").asText()).isEqualTo("say-hello");
        assertThat(nudge.get("origin").asText()).isEqualTo("journey");
        assertThat(nudge.get("priority").asText()).isEqualTo("product");
        assertThat(nudge.get("category").asText()).isEqualTo("product");
        assertThat(nudge.get("user").get("traits").get("firstName").asText()).isEqualTo("Ada");
        assertThat(nudge.get("context").get("plan").asText()).isEqualTo("team");
        // Signed by the journey's sender, from team.yaml.
        assertThat(nudge.get("sender").get("name").asText()).isEqualTo("Belle");
        assertThat(nudge.get("sender").get("role").asText()).isEqualTo("Content Crafter");
        assertThat(nudge.get("sender").get("avatar").asText()).isEqualTo("https://acme.example/team/belle.png");
        // Not before its 1 s delay.
        assertThat(Instant.parse(nudge.get("createdAt").asText())).isAfterOrEqualTo(signedUp.plusMillis(900));

        Events.track(user, "Said Hello", "{}");
        List<ConsumerRecord<String, String>> both = requestsFor(user, 2);
        JsonNode email = json.readTree(both.get(1).value());
        assertThat(email.get("step").asText()).isEqualTo("verify-email");
        assertThat(email.get("channel").asText()).isEqualTo("email");
        assertThat(email.get("fallbackChannels").get(0).asText()).isEqualTo("in_app");
        // The step names its own sender.
        assertThat(email.get("sender").get("id").asText()).isEqualTo("joel");
        assertThat(email.get("sender").get("email").asText()).isEqualTo("joel@acme.example");
        assertThat(email.get("messageId").asText())
                .isNotEqualTo(nudge.get("messageId").asText());
    }

    @Test
    void explainsWhereAUserIsAndWhatComesNext() {
        String user = newUser();
        Events.track(user, "Signed Up", "{}");
        requestsFor(user, 1);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth()
                .oauth2("test-admin-token")
                .when()
                .get("/v1/users/{user}/journeys", user)
                .then()
                .statusCode(200)
                .body("journeys[0].journey", equalTo("quickstart"))
                .body("journeys[0].status", equalTo("active"))
                .body("journeys[0].currentVersion", equalTo(1))
                .body("journeys[0].steps[0].current", equalTo(true))
                .body("journeys[0].steps[0].done", equalTo(false))
                .body("journeys[0].sent[0].step", equalTo("say-hello"))
                .body("journeys[0].log.kind", hasItem("message_sent"))
                .body("journeys[0].why", org.hamcrest.Matchers.containsString("say-hello")));
    }

    @Test
    void refusesTheAdminApiWithoutTheToken() {
        given().when()
                .get("/v1/users/anyone/journeys")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Bearer"));
        given().auth().oauth2("wrong").when().get("/v1/journeys").then().statusCode(401);
    }

    @Test
    void answersAnUnknownUserWith404() {
        given().auth()
                .oauth2("test-admin-token")
                .when()
                .get("/v1/users/{user}/journeys", newUser())
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
    }

    JsonNode funnel() throws Exception {
        return json.readTree(given().auth()
                        .oauth2("test-admin-token")
                        .get("/v1/journeys/quickstart/funnel")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString())
                .get("treatment");
    }

    /** The figures one user moves: entered, both steps done, completed, converted. */
    static List<Long> figures(JsonNode treatment) {
        return List.of(
                treatment.get("entered").asLong(),
                treatment.get("steps").get(0).get("done").asLong(),
                treatment.get("steps").get(1).get("done").asLong(),
                treatment.get("completed").asLong(),
                treatment.get("converted").asLong());
    }

    @Test
    void countsTheFunnel() throws Exception {
        // Other tests' users share the journey: the figures must move by exactly this user, once each.
        List<Long> before = figures(funnel());
        String user = newUser();
        Events.track(user, "Signed Up", "{}");
        Events.track(user, "Said Hello", "{}");
        Events.track(user, "Email Verified", "{}");
        Events.track(user, "Upgraded", "{}");

        List<Long> expected = before.stream().map(n -> n + 1).toList();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(figures(funnel()))
                .as("entered, say-hello done, verify-email done, completed, converted")
                .isEqualTo(expected));
    }

    @Test
    void sendsARecordItCannotReadToTheDeadLetterTopic() {
        String key = "poison-" + UUID.randomUUID();
        Events.send("onramp.events", key, "{not json");

        var dead = TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.events.dlq",
                r -> key.equals(r.key()),
                1,
                Duration.ofSeconds(30));
        assertThat(new String(dead.getFirst()
                        .headers()
                        .lastHeader("onramp-dlq-reason")
                        .value()))
                .startsWith("not JSON");
        // And the engine carries on.
        String user = newUser();
        Events.track(user, "Signed Up", "{}");
        requestsFor(user, 1);
    }

    @Test
    void listsTheJourneysInForce() {
        given().auth()
                .oauth2("test-admin-token")
                .when()
                .get("/v1/journeys")
                .then()
                .statusCode(200)
                .body("journeys.id", hasItem("quickstart"))
                .body("journeys.find { it.id == 'quickstart' }.steps", equalTo(List.of("say-hello", "verify-email")))
                .body("lastLoad.applied", equalTo(true));
    }
}
