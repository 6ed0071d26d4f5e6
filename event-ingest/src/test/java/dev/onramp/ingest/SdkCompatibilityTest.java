package dev.onramp.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.TrackMessage;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What real SDKs send, sent by them or as they send it. */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
class SdkCompatibilityTest {

    @TestHTTPResource("/")
    URL root;

    final ObjectMapper json = new ObjectMapper();

    static List<JsonNode> eventsOf(String user, int count) {
        ObjectMapper json = new ObjectMapper();
        return TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.events",
                        r -> user.equals(r.key()),
                        count,
                        Duration.ofSeconds(30))
                .stream()
                .map(ConsumerRecord::value)
                .peek(v -> Contracts.check(Contracts.EVENTS, v))
                .map(v -> {
                    try {
                        return json.readTree(v);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    @Test
    void acceptsWhatTheOfficialAnalyticsJavaLibrarySends() throws Exception {
        String user = "java-sdk-" + UUID.randomUUID();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> successes = new ConcurrentLinkedQueue<>();
        Analytics analytics = Analytics.builder("test-write-key")
                .endpoint(root.toString().replaceAll("/$", ""))
                .flushQueueSize(10)
                .callback(new Callback() {
                    @Override
                    public void success(Message message) {
                        successes.add(message.messageId());
                    }

                    @Override
                    public void failure(Message message, Throwable throwable) {
                        failures.add(message.messageId() + ": " + throwable);
                    }
                })
                .build();
        try {
            analytics.enqueue(
                    IdentifyMessage.builder().userId(user).traits(Map.of("email", "ada@example.com", "plan", "team")));
            analytics.enqueue(TrackMessage.builder("Signed Up")
                    .userId(user)
                    .properties(Map.of("referrer", "newsletter", "seats", 3)));
            analytics.enqueue(PageMessage.builder("Pricing").userId(user).properties(Map.of("path", "/pricing")));
            analytics.flush();

            List<JsonNode> events = eventsOf(user, 3);
            assertThat(events).extracting(e -> e.get("type").asText()).containsExactly("identify", "track", "page");
            assertThat(events.get(0).get("traits").get("email").asText()).isEqualTo("ada@example.com");
            assertThat(events.get(1).get("event").asText()).isEqualTo("Signed Up");
            assertThat(events.get(1).get("properties").get("seats").asInt()).isEqualTo(3);
            assertThat(events.get(1).get("context").get("library").get("name").asText())
                    .isEqualTo("analytics-java");
            assertThat(events.get(2).get("name").asText()).isEqualTo("Pricing");
            assertThat(events)
                    .allSatisfy(e -> assertThat(e.get("sourceId").asText()).isEqualTo("test"));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> successes.size() == 3);
            assertThat(failures).isEmpty();
        } finally {
            analytics.shutdown();
        }
    }

    @Test
    void acceptsGzippedBodies() throws Exception {
        String user = "gzip-" + UUID.randomUUID();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write("""
                    {"batch":[{"type":"track","userId":"%1$s","event":"Zipped"},{"type":"identify","userId":"%1$s","traits":{"a":1}}]}""".formatted(user).getBytes(StandardCharsets.UTF_8));
        }
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .header("Content-Encoding", "gzip")
                .contentType("application/json")
                .body(bytes.toByteArray())
                .post("/v1/batch")
                .then()
                .statusCode(200);

        assertThat(eventsOf(user, 2)).extracting(e -> e.get("type").asText()).containsExactly("track", "identify");
    }

    @Test
    void acceptsTheShortPathsAndContentTypesOfBrowserSdks() {
        String user = "browser-" + UUID.randomUUID();
        String anonymous = "anon-" + UUID.randomUUID();
        // analytics.js sends text/plain (no CORS preflight) with the write key in the body.
        for (String[] call : new String[][] {
            {"/v1/p", "{\"writeKey\":\"test-write-key\",\"anonymousId\":\"" + anonymous + "\",\"name\":\"Home\"}"},
            {"/v1/t", "{\"writeKey\":\"test-write-key\",\"anonymousId\":\"" + anonymous + "\",\"event\":\"Clicked\"}"},
            {
                "/v1/a",
                "{\"writeKey\":\"test-write-key\",\"userId\":\"" + user + "\",\"previousId\":\"" + anonymous + "\"}"
            },
            {
                "/v1/g",
                "{\"writeKey\":\"test-write-key\",\"userId\":\"" + user
                        + "\",\"groupId\":\"acme\",\"traits\":{\"seats\":10}}"
            },
            {"/v1/s", "{\"writeKey\":\"test-write-key\",\"userId\":\"" + user + "\",\"name\":\"Settings\"}"}
        }) {
            given().contentType("text/plain;charset=UTF-8")
                    .body(call[1])
                    .post(call[0])
                    .then()
                    .statusCode(200)
                    .body("success", equalTo(true));
        }

        assertThat(eventsOf(anonymous, 2))
                .extracting(e -> e.get("type").asText())
                .containsExactly("page", "track");
        List<JsonNode> known = eventsOf(user, 3);
        assertThat(known).extracting(e -> e.get("type").asText()).containsExactly("alias", "group", "screen");
        assertThat(known.get(0).get("previousId").asText()).isEqualTo(anonymous);
        assertThat(known.get(1).get("groupId").asText()).isEqualTo("acme");
    }

    @Test
    void limitsEachSourceToItsRateWithRetryAfter() {
        String body = "{\"userId\":\"rate\",\"event\":\"Tick\"}";
        int accepted = 0;
        io.restassured.response.Response last = null;
        for (int i = 0; i < 12; i++) {
            last = given().auth()
                    .preemptive()
                    .basic("limited-write-key", "")
                    .body(body)
                    .post("/v1/track");
            if (last.statusCode() == 200) {
                accepted++;
            } else {
                break;
            }
        }
        // The burst is 5 events; then the source waits at 5 per second.
        assertThat(accepted).isBetween(5, 6);
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(last.contentType()).startsWith("application/problem+json");
        assertThat(Integer.parseInt(last.header("Retry-After"))).isBetween(1, 2);
        // Another source is not affected.
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .body(body)
                .post("/v1/track")
                .then()
                .statusCode(200);
    }

    @Test
    void refusesABodyBeyondTheServersLimitWithAProblemDocument() {
        byte[] huge = new byte[3 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) 'x');
        given().auth()
                .preemptive()
                .basic("test-write-key", "")
                .body(huge)
                .post("/v1/batch")
                .then()
                .statusCode(413)
                .contentType("application/problem+json");
    }
}
