package dev.onramp.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
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
class TrackingResourceTest {

    static final String TOPIC = "onramp.events";
    final ObjectMapper json = new ObjectMapper();

    @Test
    void writesATrackedEventToKafkaKeyedByUserBeforeAnswering() throws Exception {
        String user = "user-" + UUID.randomUUID();
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .contentType("application/json")
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .body("""
                        {"userId": "%s", "event": "Signed Up", "properties": {"plan": "team"},
                         "messageId": "m-1", "timestamp": "2026-03-02T09:00:00Z"}
                        """.formatted(user))
                .when()
                .post("/v1/track")
                .then()
                .statusCode(200)
                .body("success", equalTo(true));

        ConsumerRecord<String, String> record = recordFor(user);
        JsonNode event = json.readTree(record.value());
        assertThat(event.get("type").asText()).isEqualTo("track");
        assertThat(event.get("event").asText()).isEqualTo("Signed Up");
        assertThat(event.get("messageId").asText()).isEqualTo("m-1");
        assertThat(event.get("properties").get("plan").asText()).isEqualTo("team");
        assertThat(event.get("timestamp").asText()).isEqualTo("2026-03-02T09:00:00Z");
        assertThat(event.get("sourceId").asText()).isEqualTo("test");
        assertThat(Instant.parse(event.get("receivedAt").asText())).isCloseTo(Instant.now(), within(60));
        assertThat(new String(record.headers().lastHeader("traceparent").value()))
                .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }

    @Test
    void acceptsTheWriteKeyInTheBodyAndGeneratesAMessageId() throws Exception {
        String user = "user-" + UUID.randomUUID();
        given().contentType("text/plain")
                .body("""
                        {"writeKey": "other-write-key", "userId": "%s", "traits": {"email": "ada@example.com"}}
                        """.formatted(user))
                .when()
                .post("/v1/i")
                .then()
                .statusCode(200);

        JsonNode event = json.readTree(recordFor(user).value());
        assertThat(event.get("type").asText()).isEqualTo("identify");
        assertThat(event.get("sourceId").asText()).isEqualTo("other");
        assertThat(event.get("traits").get("email").asText()).isEqualTo("ada@example.com");
        assertThat(UUID.fromString(event.get("messageId").asText())).isNotNull();
        assertThat(event.has("writeKey")).isFalse();
    }

    @Test
    void correctsTheClientsClockSkewFromSentAt() throws Exception {
        String user = "user-" + UUID.randomUUID();
        // The client's clock is one hour behind: it says it sent the batch an hour before we received it.
        Instant clientNow = Instant.now().minus(Duration.ofHours(1));
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .contentType("application/json")
                .body("""
                        {"sentAt": "%s", "batch": [
                          {"type": "track", "userId": "%s", "event": "Channel Created", "timestamp": "%s"}]}
                        """.formatted(clientNow, user, clientNow.minusSeconds(30)))
                .when()
                .post("/v1/batch")
                .then()
                .statusCode(200);

        JsonNode event = json.readTree(recordFor(user).value());
        Instant timestamp = Instant.parse(event.get("timestamp").asText());
        Instant receivedAt = Instant.parse(event.get("receivedAt").asText());
        assertThat(Duration.between(timestamp, receivedAt)).isEqualTo(Duration.ofSeconds(30));
        assertThat(event.get("originalTimestamp").asText())
                .isEqualTo(clientNow.minusSeconds(30).toString());
    }

    @Test
    void rejectsAnUnknownWriteKeyWith401() {
        given().auth()
                .preemptive()
                .basic("nobody", "")
                .body("{\"userId\": \"u\", \"event\": \"x\"}")
                .when()
                .post("/v1/track")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Basic realm=\"onramp\"")
                .body("status", equalTo(401))
                .body("title", equalTo("Unknown or missing write key"));
    }

    @Test
    void namesEveryInvalidFieldOfATrackCall() {
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .body("{\"properties\": [1, 2], \"timestamp\": \"yesterday\"}")
                .when()
                .post("/v1/track")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("instance", equalTo("/v1/track"))
                .body("errors.pointer", hasItem("/userId"))
                .body("errors.pointer", hasItem("/event"))
                .body("errors.pointer", hasItem("/properties"))
                .body("errors.pointer", hasItem("/timestamp"))
                .body("errors", hasSize(4));
    }

    @Test
    void replacesCharactersNoStoreKeepsInTraitsAndRefusesThemInIds() throws Exception {
        String user = "user-" + UUID.randomUUID();
        // A NUL and a lone surrogate, as JSON escapes: valid JSON, but neither PostgreSQL nor UTF-8 can keep them.
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .contentType("application/json")
                .body("""
                        {"userId": "%s", "traits": {"nick": "a\\u0000b", "odd\\u0000key": ["x\\ud800y"]}}
                        """.formatted(user))
                .when()
                .post("/v1/identify")
                .then()
                .statusCode(200);
        JsonNode traits = json.readTree(recordFor(user).value()).get("traits");
        assertThat(traits.get("nick").asText()).isEqualTo("a\uFFFDb");
        assertThat(traits.get("odd\uFFFDkey").get(0).asText()).isEqualTo("x\uFFFDy");

        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .contentType("application/json")
                .body("{\"userId\": \"u\\u0000v\", \"event\": \"Signed Up\"}")
                .when()
                .post("/v1/track")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors.pointer", hasItem("/userId"))
                .body("errors[0].detail", org.hamcrest.Matchers.containsString("NUL"));
    }

    @Test
    void rejectsMalformedJsonWithWhereItBroke() {
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .body("{\"userId\": \"u\",\n \"event\": }")
                .when()
                .post("/v1/track")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.containsString("line 2"));
    }

    @Test
    void writesNothingOfABatchWithAnInvalidEvent() {
        String user = "user-" + UUID.randomUUID();
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .body("""
                        {"batch": [
                          {"type": "track", "userId": "%1$s", "event": "Fine"},
                          {"type": "track", "userId": "%1$s"},
                          {"type": "launch", "userId": "%1$s"}]}
                        """.formatted(user))
                .when()
                .post("/v1/batch")
                .then()
                .statusCode(400)
                .body("errors.pointer", equalTo(List.of("/batch/1/event", "/batch/2/type")));

        // A later, valid call for the same user is the first thing in Kafka for them.
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .body("{\"userId\": \"%s\", \"event\": \"Later\"}".formatted(user))
                .post("/v1/track")
                .then()
                .statusCode(200);
        assertThat(recordFor(user).value()).contains("\"Later\"");
    }

    @Test
    void rejectsAnEventOverThirtyTwoKilobytes() {
        String big = "x".repeat(33 * 1024);
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .body("{\"userId\": \"u\", \"event\": \"Big\", \"properties\": {\"blob\": \"%s\"}}".formatted(big))
                .when()
                .post("/v1/track")
                .then()
                .statusCode(413)
                .contentType("application/problem+json");
    }

    @Test
    void reportsKafkaInItsReadinessCheck() {
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.name", hasItem("kafka"))
                .body("status", equalTo("UP"));
    }

    @Test
    void countsAcceptedEventsAndRejectedCallsByReason() {
        given().auth()
                .preemptive()
                .basic("nobody", "")
                .body("{}")
                .post("/v1/track")
                .then()
                .statusCode(401);
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .body("{\"userId\":\"metrics\",\"event\":\"Counted\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);

        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .containsPattern("onramp_ingest_rejected_total\\{reason=\"unauthorized\"\\} [1-9]")
                .containsPattern("onramp_ingest_events_total\\{source=\"test\"\\} [1-9]")
                .contains("onramp_ingest_produce_seconds_count");
    }

    /** The user's first record, checked against the events contract. */
    private static ConsumerRecord<String, String> recordFor(String user) {
        ConsumerRecord<String, String> record = TopicReader.await(
                        bootstrap(), TOPIC, r -> user.equals(r.key()), 1, Duration.ofSeconds(30))
                .getFirst();
        Contracts.check(Contracts.EVENTS, record.value());
        return record;
    }

    private static String bootstrap() {
        return Infra.kafka().bootstrapServers();
    }

    private static org.assertj.core.data.TemporalUnitOffset within(long seconds) {
        return new org.assertj.core.data.TemporalUnitWithinOffset(seconds, java.time.temporal.ChronoUnit.SECONDS);
    }
}
