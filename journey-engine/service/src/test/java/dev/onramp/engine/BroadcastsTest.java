package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Broadcasts through the admin API on the real pipeline (PostgreSQL, Kafka): each recipient gets the message once, by
 * the first channel that reaches them, signed; the counts add up to the audience; a retried call creates nothing; a
 * bad audience is refused naming it; a cancel stops the rest; {@code urgent} passes quiet hours, {@code marketing}
 * waits.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class BroadcastsTest {

    static final String TOKEN = "test-admin-token";
    static final String REQUESTS = "onramp.message-requests";
    static final ObjectMapper JSON = new ObjectMapper();

    /** Users the engine knows, each with these traits. */
    static List<String> knownUsers(int n, String traitsJson) throws Exception {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String user = JourneyEngineTest.newUser();
            Events.identify(user, traitsJson.replace("$USER", user));
            users.add(user);
        }
        String[] ids = users.toArray(String[]::new);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count(
                                "SELECT count(*) FROM engine.profiles WHERE user_id = ANY(string_to_array(?, ','))",
                                String.join(",", ids))
                        == n);
        return users;
    }

    static ValidatableResponse post(String key, String body) {
        var request =
                given().auth().oauth2(TOKEN).contentType("application/json").body(body);
        if (key != null) {
            request = request.header("Idempotency-Key", key);
        }
        return request.post("/v1/broadcasts").then();
    }

    static JsonNode awaitEnded(String id) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(TOKEN)
                .get("/v1/broadcasts/{id}", id)
                .then()
                .statusCode(200)
                .body("state", equalTo("sent")));
        return view(id);
    }

    static JsonNode view(String id) {
        try {
            return JSON.readTree(given().auth()
                    .oauth2(TOKEN)
                    .get("/v1/broadcasts/{id}", id)
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The broadcast's message requests: each checked against the contract. */
    static List<ConsumerRecord<String, String>> requestsOf(String id, Duration quiet) {
        var records = TopicReader.all(
                Infra.kafka().bootstrapServers(),
                REQUESTS,
                r -> r.value().contains("\"broadcast\":\"" + id + "\""),
                quiet);
        records.forEach(r -> Contracts.check(Contracts.MESSAGE_REQUESTS, r.value()));
        return records;
    }

    static String listed(List<String> users) {
        return users.stream().map(u -> "\"" + u + "\"").collect(Collectors.joining(","));
    }

    @Test
    void eachListedUserGetsTheMessageOnceByTheFirstChannelThatReachesThemAndTheCountsAddUp() throws Exception {
        List<String> withEmail = knownUsers(2, "{\"email\":\"$USER@example.com\",\"locale\":\"fr\"}");
        List<String> withoutEmail = knownUsers(1, "{\"firstName\":\"Lin\"}");
        String stranger = "never-seen-" + UUID.randomUUID();
        List<String> audience = new ArrayList<>(withEmail);
        audience.addAll(withoutEmail);
        audience.add(stranger);

        String id = post(null, """
                        {"name": "Scheduled maintenance", "audience": {"users": [%s]}, "channels": ["email", "in_app"],
                         "template": "verify-email", "priority": "product", "category": "product", "sender": "belle"}""".formatted(listed(audience)))
                .statusCode(201)
                .header("Location", startsWith("/v1/broadcasts/b-"))
                .body("sender", equalTo("belle"))
                .body("audience.kind", equalTo("users"))
                .body("audience.size", equalTo(4))
                .extract()
                .path("id");

        JsonNode done = awaitEnded(id);
        assertThat(done.at("/counts/audience").asLong()).isEqualTo(4);
        assertThat(done.at("/counts/sent").asLong()).isEqualTo(3);
        assertThat(done.at("/counts/skipped").asLong()).isEqualTo(1);
        assertThat(done.at("/sentBy/email").asLong()).isEqualTo(2);
        assertThat(done.at("/sentBy/in_app").asLong()).isEqualTo(1);
        assertThat(done.at("/reasons/skipped/not a known user").asLong()).isEqualTo(1);

        var requests = requestsOf(id, Duration.ofSeconds(2));
        assertThat(requests).hasSize(3);
        Map<String, JsonNode> byUser = new HashMap<>();
        for (var r : requests) {
            byUser.put(r.key(), JSON.readTree(r.value()));
        }
        assertThat(byUser.keySet()).containsExactlyInAnyOrderElementsOf(audience.subList(0, 3));
        JsonNode first = byUser.get(withEmail.getFirst());
        assertThat(first.get("origin").asText()).isEqualTo("broadcast");
        assertThat(first.get("channel").asText()).isEqualTo("email");
        assertThat(first.get("fallbackChannels").toString()).isEqualTo("[\"in_app\"]");
        assertThat(first.get("locale").asText()).isEqualTo("fr");
        assertThat(first.at("/sender/name").asText()).isEqualTo("Belle");
        assertThat(first.has("journey")).isFalse();
        assertThat(byUser.get(withoutEmail.getFirst()).get("channel").asText()).isEqualTo("in_app");

        // The decision is in the user's journey log, where support looks.
        assertThat(Db.count(
                        "SELECT count(*) FROM engine.decisions WHERE user_id = ? AND journey = ? AND kind = 'message_sent'",
                        withEmail.getFirst(),
                        "broadcast:" + id))
                .isEqualTo(1);
    }

    @Test
    void theSameIdempotencyKeyAnswersTheFirstResponseAndAnotherBodyUnderItIsRefused() throws Exception {
        List<String> users = knownUsers(1, "{\"firstName\":\"Sam\"}");
        String key = "key-" + UUID.randomUUID();
        String body = """
                {"name": "Outage", "audience": {"users": [%s]}, "channels": ["in_app"], "template": "say-hello"}""".formatted(listed(users));
        String id = post(key, body).statusCode(201).extract().path("id");

        post(key, body).statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(id));
        post(key, body.replace("Outage", "Outage, again"))
                .statusCode(422)
                .contentType("application/problem+json")
                .body("errors.parameter", hasItem("Idempotency-Key"));

        awaitEnded(id);
        assertThat(Db.count(
                        "SELECT count(*) FROM engine.broadcasts WHERE idempotency_key = ?",
                        "POST /v1/broadcasts " + key))
                .isEqualTo(1);
        assertThat(requestsOf(id, Duration.ofSeconds(2))).hasSize(1);
    }

    @Test
    void aBadAudienceExpressionIsRefusedNamingItAndNothingIsCreated() throws Exception {
        long before = Db.count("SELECT count(*) FROM engine.broadcasts");
        post(null, """
                        {"name": "Pro only", "audience": {"where": "user.traits.plan = 'pro'"}, "channels": ["in_app"],
                         "template": "say-hello"}""")
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].pointer", equalTo("/audience/where"))
                .body("errors[0].detail", startsWith("1:"));
        post(null, """
                        {"name": "Nobody", "audience": {"all": true}, "channels": ["pager"], "template": "no-such",
                         "sender": "nobody", "priority": "now"}""")
                .statusCode(400)
                .body("errors.pointer", hasItem("/channels/0"))
                .body("errors.pointer", hasItem("/sender"))
                .body("errors.pointer", hasItem("/priority"));
        assertThat(Db.count("SELECT count(*) FROM engine.broadcasts")).isEqualTo(before);
    }

    @Test
    void inlineContentIsCheckedLikeATemplateAndGoesInEachRecipientsLocale() throws Exception {
        long before = Db.count("SELECT count(*) FROM engine.broadcasts");
        post(null, """
                        {"name": "Broken", "audience": {"all": true}, "channels": ["email", "in_app", "sms"],
                         "content": {"email": {"subject": "Down", "body": "<p>Hi\\n{#if}</p>"},
                                     "in_app": {"body": "No title", "colour": "red"}}}""")
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors.pointer", hasItem("/content/email/body"))
                .body("errors.find { it.pointer == '/content/email/body' }.detail", startsWith("2:"))
                .body("errors.pointer", hasItem("/content/in_app/title"))
                .body("errors.pointer", hasItem("/content/in_app/colour"))
                .body("errors.pointer", hasItem("/content/sms"));
        post(null, """
                        {"name": "Both", "audience": {"all": true}, "channels": ["sms"], "template": "say-hello",
                         "content": {"sms": {"body": "Hi"}}}""").statusCode(400).body("errors.pointer", hasItem("/content"));
        assertThat(Db.count("SELECT count(*) FROM engine.broadcasts")).isEqualTo(before);

        List<String> french = knownUsers(1, "{\"email\":\"$USER@example.com\",\"locale\":\"fr-CA\"}");
        List<String> english = knownUsers(1, "{\"email\":\"$USER@example.com\"}");
        List<String> audience = new ArrayList<>(french);
        audience.addAll(english);
        String id = post(null, """
                        {"name": "EU sign-in", "audience": {"users": [%s]}, "channels": ["email", "in_app"],
                         "priority": "urgent", "sender": "belle",
                         "content": {
                           "email": {"subject": "Sign-in is failing", "body": "<p>We are on it.</p><p>— {sender.name}</p>",
                                     "locales": {"fr": {"subject": "La connexion échoue", "body": "<p>Nous y travaillons.</p>"}}},
                           "in_app": {"title": "Sign-in is failing", "body": "We are on it."}}}""".formatted(listed(audience)))
                .statusCode(201)
                .body("template", equalTo(null))
                .body("content.email.locales.fr.subject", equalTo("La connexion échoue"))
                .extract()
                .path("id");
        awaitEnded(id);
        Map<String, JsonNode> byUser = new HashMap<>();
        for (var r : requestsOf(id, Duration.ofSeconds(2))) {
            byUser.put(r.key(), JSON.readTree(r.value()));
        }
        JsonNode fr = byUser.get(french.getFirst());
        assertThat(fr.has("template")).isFalse();
        assertThat(fr.at("/content/email/subject").asText()).isEqualTo("La connexion échoue");
        assertThat(fr.at("/content/in_app/title").asText()).isEqualTo("Sign-in is failing");
        assertThat(byUser.get(english.getFirst()).at("/content/email/subject").asText())
                .isEqualTo("Sign-in is failing");
    }

    @Test
    void aConditionAudienceIsTakenFromTheUsersKnownAtTheStart() throws Exception {
        String cohort = UUID.randomUUID().toString();
        List<String> pro = knownUsers(3, "{\"cohort\":\"" + cohort + "\",\"plan\":\"pro\"}");
        knownUsers(2, "{\"cohort\":\"" + cohort + "\",\"plan\":\"free\"}");

        String id = post(null, """
                        {"name": "Pro feature", "audience": {"where": "user.traits.cohort == '%s' && user.traits.plan == 'pro'"},
                         "channels": ["in_app"], "template": "say-hello", "priority": "marketing", "category": "marketing"}""".formatted(cohort)).statusCode(201).extract().path("id");
        JsonNode done = awaitEnded(id);
        assertThat(done.at("/audience/complete").asBoolean()).isTrue();
        assertThat(done.at("/counts/audience").asLong()).isEqualTo(3);
        assertThat(done.at("/counts/sent").asLong()).isEqualTo(3);
        assertThat(requestsOf(id, Duration.ofSeconds(2)).stream().map(ConsumerRecord::key))
                .containsExactlyInAnyOrderElementsOf(pro);
        // One who signs up after the start is not added.
        knownUsers(1, "{\"cohort\":\"" + cohort + "\",\"plan\":\"pro\"}");
        assertThat(view(id).at("/counts/audience").asLong()).isEqualTo(3);
    }

    @Test
    void aCancelStopsTheRestAndItsCountsAddUpToTheAudience() throws Exception {
        List<String> users = knownUsers(40, "{\"firstName\":\"Sam\"}");
        String id = post(null, """
                        {"name": "Slow", "audience": {"users": [%s]}, "channels": ["in_app"], "template": "say-hello",
                         "rate": 4}""".formatted(listed(users)))
                .statusCode(201)
                .extract()
                .path("id");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> view(id).at("/counts/sent").asLong() >= 4);

        JsonNode cancelled = JSON.readTree(given().auth()
                .oauth2(TOKEN)
                .post("/v1/broadcasts/{id}/cancel", id)
                .then()
                .statusCode(200)
                .body("state", equalTo("cancelled"))
                .extract()
                .asString());
        long sent = cancelled.at("/counts/sent").asLong();
        long notSent = cancelled.at("/counts/cancelled").asLong();
        assertThat(sent).isBetween(4L, 39L);
        assertThat(sent + notSent).isEqualTo(40);
        assertThat(cancelled.at("/counts/pending").asLong()
                        + cancelled.at("/counts/deferred").asLong())
                .isZero();

        // Nothing more is written after the cancel answered: the messages are exactly those it counted as sent.
        assertThat(requestsOf(id, Duration.ofSeconds(3))).hasSize((int) sent);
        assertThat(view(id).at("/counts/sent").asLong()).isEqualTo(sent);
    }

    @Test
    void urgentPassesQuietHoursWhileMarketingWaitsForTheirEnd() throws Exception {
        String user = knownUsers(1, "{\"email\":\"$USER@example.com\",\"timezone\":\"UTC\"}")
                .getFirst();
        LocalTime now = LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        String quiet = "{\"from\": \"%s\", \"to\": \"%s\"}".formatted(now.minusHours(1), now.plusHours(1));
        String marketing =
                post(null, """
                        {"name": "Newsletter", "audience": {"users": ["%s"]}, "channels": ["email"],
                         "template": "verify-email", "priority": "marketing", "category": "marketing", "quietHours": %s}""".formatted(user, quiet)).statusCode(201).extract().path("id");
        String urgent =
                post(null, """
                        {"name": "Security notice", "audience": {"users": ["%s"]}, "channels": ["email"],
                         "template": "verify-email", "priority": "urgent", "category": "security", "quietHours": %s}""".formatted(user, quiet)).statusCode(201).extract().path("id");

        awaitEnded(urgent);
        assertThat(view(urgent).at("/counts/sent").asLong()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> view(marketing).at("/counts/deferred").asLong() == 1);
        JsonNode waiting = view(marketing);
        assertThat(waiting.get("state").asText()).isEqualTo("sending");
        assertThat(waiting.at("/reasons/deferred").fieldNames().next()).contains("quiet hours");
        assertThat(requestsOf(marketing, Duration.ofSeconds(1))).isEmpty();
        assertThat(requestsOf(urgent, Duration.ZERO)).hasSize(1);
    }

    @Test
    void aLocalTimeScheduleReachesEachRecipientAtThatTimeInTheirOwnZone() throws Exception {
        String utc = knownUsers(1, "{\"email\":\"$USER@example.com\",\"timezone\":\"UTC\"}")
                .getFirst();
        String newYork = knownUsers(1, "{\"email\":\"$USER@example.com\",\"timezone\":\"America/New_York\"}")
                .getFirst();
        String tokyo = knownUsers(1, "{\"email\":\"$USER@example.com\",\"timezone\":\"Asia/Tokyo\"}")
                .getFirst();
        // Ten minutes ago in UTC: come for the UTC user, hours away in New York, hours past in Tokyo.
        LocalDateTime at = LocalDateTime.now(ZoneOffset.UTC).minusMinutes(10).truncatedTo(ChronoUnit.MINUTES);
        String body = """
                {"name": "Tips at 9", "audience": {"users": [%s]}, "channels": ["email"], "template": "verify-email",
                 "priority": "product", "category": "product", "localStartAt": "%s", "maxLateness": "1h"}""".formatted(listed(List.of(utc, newYork, tokyo)), at);

        post(null, body.replace("\"localStartAt\"", "\"startAt\": \"2026-12-08T09:00:00Z\", \"localStartAt\""))
                .statusCode(400)
                .body("errors.pointer", hasItem("/localStartAt"));
        post(null, body.replace(at.toString(), "9am tomorrow"))
                .statusCode(400)
                .body("errors.pointer", hasItem("/localStartAt"));

        String id = post(null, body).statusCode(201).extract().path("id");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode v = view(id);
            assertThat(v.at("/counts/sent").asLong()).isEqualTo(1);
            assertThat(v.at("/counts/expired").asLong()).isEqualTo(1);
        });
        JsonNode v = view(id);
        assertThat(v.get("state").asText()).isEqualTo("sending");
        assertThat(v.at("/counts/pending").asLong()).isEqualTo(1);
        assertThat(v.get("localStartAt").asText()).startsWith(at.toString());
        assertThat(v.at("/reasons/pending").fieldNames().next())
                .isEqualTo("waiting for " + at.toLocalTime() + " America/New_York");
        assertThat(v.at("/reasons/expired").fieldNames().next())
                .contains("of their local " + at.toLocalTime())
                .contains("maximum lateness");
        // The New York user is due at their own nine o'clock, not before.
        assertThat(Db.count(
                        "SELECT count(*) FROM engine.broadcast_recipients WHERE broadcast = ? AND user_id = ?"
                                + " AND due_at = ?::timestamptz",
                        id,
                        newYork,
                        at.atZone(java.time.ZoneId.of("America/New_York"))
                                .toOffsetDateTime()
                                .toString()))
                .isEqualTo(1);
        List<ConsumerRecord<String, String>> sent = requestsOf(id, Duration.ofSeconds(2));
        assertThat(sent).hasSize(1);
        assertThat(sent.getFirst().key()).isEqualTo(utc);
    }

    @Test
    void anUnsubscribeFromMarketingSkipsTheNextMarketingBroadcastAndNotAProductOne() throws Exception {
        String user = knownUsers(1, "{\"email\":\"$USER@example.com\"}").getFirst();
        // As message-dispatch reports a newsletter's one-click unsubscribe.
        String report = """
                {"messageId":"pref-%s","userId":"%s","journey":null,"step":null,"channel":"email","status":"unsubscribed",
                 "at":"%s","detail":"from the preference page","scope":"category","category":"marketing"}""".formatted(UUID.randomUUID(), user, java.time.Instant.now());
        Contracts.check(Contracts.DELIVERY_EVENTS, report);
        Events.sendTo("onramp.delivery-events", null, user, report);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count(
                                "SELECT count(*) FROM engine.profiles WHERE user_id = ? AND blocked->>? = 'unsubscribed'",
                                user,
                                "email:category:marketing")
                        == 1);

        String marketing =
                post(null, """
                {"name": "Newsletter", "audience": {"users": ["%s"]}, "channels": ["email"], "template": "verify-email",
                 "priority": "marketing", "category": "marketing"}""".formatted(user)).statusCode(201).extract().path("id");
        String product =
                post(null, """
                {"name": "New feature", "audience": {"users": ["%s"]}, "channels": ["email"], "template": "verify-email",
                 "priority": "product", "category": "product"}""".formatted(user)).statusCode(201).extract().path("id");

        JsonNode skipped = awaitEnded(marketing);
        assertThat(skipped.at("/counts/skipped").asLong()).isEqualTo(1);
        assertThat(skipped.at("/reasons/skipped").fieldNames().next())
                .isEqualTo("no channel reaches the user: email (unsubscribed from marketing messages)");
        assertThat(awaitEnded(product).at("/counts/sent").asLong()).isEqualTo(1);
        assertThat(requestsOf(marketing, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void theRecipientsOfABroadcastThatEndedLongAgoAreDeletedAndItsCountsKept() throws Exception {
        List<String> users = knownUsers(2, "{\"email\":\"$USER@example.com\"}");
        String id = post(null, """
                {"name": "Old news", "audience": {"users": [%s]}, "channels": ["in_app"], "template": "verify-email"}""".formatted(listed(users)))
                .statusCode(201)
                .extract()
                .path("id");
        JsonNode ended = awaitEnded(id);
        assertThat(ended.at("/counts/sent").asLong()).isEqualTo(2);

        // As if it had ended 100 days ago, past the retention of 90 days.
        try (var c = Db.connect();
                var ps = c.prepareStatement(
                        "UPDATE engine.broadcasts SET finished_at = now() - interval '100 days' WHERE id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.broadcast_recipients WHERE broadcast = ?", id) == 0);
        JsonNode kept = view(id);
        assertThat(kept.get("counts")).isEqualTo(ended.get("counts"));
        assertThat(kept.at("/audience/size").asLong()).isEqualTo(2);
    }
}
