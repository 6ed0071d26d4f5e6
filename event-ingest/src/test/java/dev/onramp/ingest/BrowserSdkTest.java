package dev.onramp.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Page;
import dev.onramp.infra.Chromium;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Segment's real browser SDK ({@code @segment/analytics-next} from npm), on a product page of another origin in a
 * headless Chromium, pointed at event-ingest for its settings and its events: every event arrives in Kafka exactly
 * once, and a source that allows no pages gets nothing from browsers.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(value = ProductPages.class, restrictToAnnotatedClass = true)
class BrowserSdkTest {

    static final String IDENTITY_SECRET = "web-identity-secret";
    static Chromium chromium;

    @TestHTTPResource("/")
    URL root;

    final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void launch() {
        chromium = Chromium.launch();
    }

    @AfterAll
    static void close() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void theSegmentBrowserSdkOnAPageOfAnotherOriginDeliversEveryEventExactlyOnce() throws Exception {
        String user = "browser-" + UUID.randomUUID();
        List<String> refused = new CopyOnWriteArrayList<>();
        Page page = watchedPage(refused);

        page.navigate(ProductPages.origin + "/shop.html");
        SignUp signUp = signUp(page, "web-write-key", user, null);

        List<JsonNode> events = events(signUp::isTheirs, 4);
        assertThat(events).extracting(e -> e.get("messageId").asText()).containsExactlyInAnyOrderElementsOf(signUp.ids);
        assertThat(events)
                .allSatisfy(e -> assertThat(e.get("sourceId").asText()).isEqualTo("web"));
        JsonNode identify = events.stream()
                .filter(e -> "identify".equals(e.get("type").asText()))
                .findFirst()
                .orElseThrow();
        assertThat(identify.get("userId").asText()).isEqualTo(user);
        assertThat(identify.get("anonymousId").asText()).isEqualTo(signUp.anonymousId);
        assertThat(identify.at("/traits/firstName").asText()).isEqualTo("Ada");
        // A page may not say where someone's messages go unless the product's backend signed the call.
        assertThat(identify.get("traits").has("email")).isFalse();
        // Exactly once: nothing more comes (no retry of an accepted call, nothing sent twice).
        assertThat(TopicReader.all(
                        Infra.kafka().bootstrapServers(), "onramp.events", signUp::isTheirs, Duration.ofSeconds(2)))
                .hasSize(4);
        assertThat(refused).isEmpty();
    }

    @Test
    void rudderStacksBrowserSdkOnAPageOfAnotherOriginDeliversEveryEventExactlyOnce() {
        String user = "rudder-" + UUID.randomUUID();
        List<String> refused = new CopyOnWriteArrayList<>();
        Page page = watchedPage(refused);

        page.navigate(ProductPages.origin + "/rudder.html");
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) page.evaluate(
                "([ingest, key, user]) => window.signUp(ingest, key, user)",
                List.of(root.toString().replaceAll("/$", ""), "web-write-key", user));
        String anonymousId = (String) result.get("anonymousId");
        java.util.function.Predicate<ConsumerRecord<String, String>> theirs =
                r -> user.equals(r.key()) || anonymousId.equals(r.key());

        List<JsonNode> events = events(theirs, 4);
        assertThat(events)
                .extracting(e -> e.get("type").asText())
                .containsExactlyInAnyOrder("page", "track", "identify", "track");
        assertThat(events).extracting(e -> e.get("messageId").asText()).doesNotHaveDuplicates();
        assertThat(events)
                .allSatisfy(e -> assertThat(e.get("sourceId").asText()).isEqualTo("web"));
        assertThat(TopicReader.all(Infra.kafka().bootstrapServers(), "onramp.events", theirs, Duration.ofSeconds(3)))
                .hasSize(4);
        assertThat(refused).isEmpty();
    }

    @Test
    void anIdentifySignedByTheProductsBackendMaySetTheEmail() {
        String user = "browser-" + UUID.randomUUID();
        Page page = chromium.browser().newPage();
        page.navigate(ProductPages.origin + "/shop.html");
        SignUp signUp = signUp(page, "web-write-key", user, signature(IDENTITY_SECRET, user));

        JsonNode identify = TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.events",
                        r -> user.equals(r.key()) && r.value().contains("\"type\":\"identify\""),
                        1,
                        Duration.ofSeconds(30))
                .stream()
                .map(r -> read(r.value()))
                .findFirst()
                .orElseThrow();
        assertThat(identify.at("/traits/email").asText()).isEqualTo(user + "@example.com");
        // The signature is proof for this call, not something to keep.
        assertThat(identify.get("context").has("onramp")).isFalse();
        assertThat(signUp.ids).hasSize(4);
    }

    @Test
    void aWrongSignatureOrNoneDropsTheRoutingTraitsKeepsTheOthersAndIsCounted() {
        String user = "browser-" + UUID.randomUUID();
        given().header("Origin", "https://app.example.com")
                .contentType("text/plain")
                .auth()
                .preemptive()
                .basic("web-write-key", "")
                .body("{\"userId\":\"" + user + "\",\"traits\":{\"email\":\"attacker@example.com\",\"phone\":"
                        + "\"+15550100\",\"plan\":\"team\"},\"context\":{\"onramp\":{\"signature\":\""
                        + signature(IDENTITY_SECRET, "someone-else") + "\"}}}")
                .post("/v1/i")
                .then()
                .statusCode(200);

        JsonNode identify = read(TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.events",
                        r -> user.equals(r.key()),
                        1,
                        Duration.ofSeconds(30))
                .getFirst()
                .value());
        assertThat(identify.get("traits").has("email")).isFalse();
        assertThat(identify.get("traits").has("phone")).isFalse();
        assertThat(identify.at("/traits/plan").asText()).isEqualTo("team");
        assertThat(identify.get("context").has("onramp")).isFalse();
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("onramp_ingest_traits_refused_total{source=\"web\",trait=\"email\"}"))
                .body(containsString("onramp_ingest_traits_refused_total{source=\"web\",trait=\"phone\"}"));
    }

    @Test
    void aSourceThatAllowsNoPagesGetsNothingFromBrowsers() throws Exception {
        String user = "browser-" + UUID.randomUUID();
        Page page = chromium.browser().newPage();
        page.navigate(ProductPages.origin + "/shop.html");
        SignUp signUp = signUp(page, "closed-write-key", user, null);

        assertThat(signUp.ids).hasSize(4);
        assertThat(TopicReader.all(
                        Infra.kafka().bootstrapServers(), "onramp.events", signUp::isTheirs, Duration.ofSeconds(3)))
                .isEmpty();
    }

    @Test
    void preflightsAreAnsweredForTheOriginsSourcesAllowAndCallsChecked() {
        given().header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, x-retry-count")
                .options("/v1/t")
                .then()
                .statusCode(204)
                .header("Access-Control-Allow-Origin", "https://app.example.com")
                .header("Access-Control-Allow-Headers", containsString("Authorization"))
                .header("Access-Control-Allow-Headers", containsString("X-Retry-Count"))
                .header("Access-Control-Allow-Credentials", nullValue());
        given().header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .options("/v1/t")
                .then()
                .statusCode(403)
                .header("Access-Control-Allow-Origin", nullValue());
        // An origin another source allows does not open this one.
        given().header("Origin", "https://app.example.com")
                .contentType("text/plain")
                .auth()
                .preemptive()
                .basic("test-write-key", "")
                .body("{\"userId\":\"u\",\"event\":\"Signed Up\"}")
                .post("/v1/t")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", containsString("origin-not-allowed"))
                .body("detail", containsString("onramp.ingest.sources.test.allowed-origins"));
    }

    @Test
    void theSettingsTheSdkLoadsPointItHere() {
        given().get("/v1/projects/web-write-key/settings")
                .then()
                .statusCode(200)
                .body("integrations.'Segment.io'.apiKey", equalTo("web-write-key"))
                .body("integrations.'Segment.io'.apiHost", equalTo(root.getAuthority() + "/v1"))
                .body("integrations.'Segment.io'.protocol", equalTo("http"))
                .body("metrics.sampleRate", equalTo(0));
        given().get("/v1/projects/no-such-key/settings").then().statusCode(401).contentType("application/problem+json");
    }

    private SignUp signUp(Page page, String writeKey, String user, String signature) {
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) page.evaluate(
                "([ingest, key, user, signature]) => window.signUp(ingest, key, user, signature)",
                java.util.Arrays.asList(root.toString().replaceAll("/$", ""), writeKey, user, signature));
        @SuppressWarnings("unchecked")
        List<String> ids = (List<String>) result.get("ids");
        return new SignUp(user, (String) result.get("anonymousId"), ids);
    }

    private record SignUp(String userId, String anonymousId, List<String> ids) {
        boolean isTheirs(ConsumerRecord<String, String> record) {
            return userId.equals(record.key()) || anonymousId.equals(record.key());
        }
    }

    /** What the product's backend computes for a user: hex HMAC-SHA256 of the user id with the identity secret. */
    static String signature(String secret, String userId) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(
                    secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of()
                    .formatHex(mac.doFinal(userId.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A page whose console errors and failed requests (a CORS refusal shows as both) are collected. */
    private static Page watchedPage(List<String> refused) {
        Page page = chromium.browser().newPage();
        page.onConsoleMessage(m -> {
            if ("error".equals(m.type())) {
                refused.add(m.text());
            }
        });
        page.onRequestFailed(r -> refused.add(r.url() + ": " + r.failure()));
        return page;
    }

    /** The first {@code count} events in Kafka that match, each checked against the events contract. */
    private List<JsonNode> events(java.util.function.Predicate<ConsumerRecord<String, String>> matching, int count) {
        return TopicReader.await(
                        Infra.kafka().bootstrapServers(), "onramp.events", matching, count, Duration.ofSeconds(30))
                .stream()
                .map(ConsumerRecord::value)
                .peek(v -> Contracts.check(Contracts.EVENTS, v))
                .map(this::read)
                .toList();
    }

    private JsonNode read(String value) {
        try {
            return json.readTree(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
