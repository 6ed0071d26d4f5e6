package dev.onramp.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.inapp.UserHash;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = WireMockResource.class, restrictToAnnotatedClass = true)
class MessageDispatchTest {

    static final String SECRET = "test-inbox-secret";
    final ObjectMapper json = new ObjectMapper();

    static String newUser() {
        return "user-" + UUID.randomUUID();
    }

    /** The message's delivery events, each checked against the delivery-events contract. */
    static List<ConsumerRecord<String, String>> deliveryEvents(String messageId, int count) {
        var records = TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.delivery-events",
                r -> r.value().contains(messageId),
                count,
                Duration.ofSeconds(30));
        records.forEach(r -> Contracts.check(Contracts.DELIVERY_EVENTS, r.value()));
        return records;
    }

    /** The first email the SMTP server receives for this address. */
    static ReceivedMail firstMailTo(String address) {
        return await().atMost(Duration.ofSeconds(30))
                .until(() -> Infra.smtp().mailsTo(address), mails -> !mails.isEmpty())
                .getFirst();
    }

    @Test
    void storesAnInAppMessageInTheUsersInboxAndReportsItDelivered() throws Exception {
        String user = newUser();
        String id = Requests.newId();
        Requests.send(user, Requests.request(id, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"));

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().header("X-Onramp-User-Hash", UserHash.of(SECRET, user))
                        .get("/v1/inbox/{user}/messages", user)
                        .then()
                        .statusCode(200)
                        .body("unread", equalTo(1))
                        .body("messages[0].id", equalTo(id))
                        .body("messages[0].title", equalTo("Welcome, Ada"))
                        .body(
                                "messages[0].body",
                                equalTo("Channels keep conversations about one thing in one place (team plan)."))
                        .body("messages[0].action.label", equalTo("Create a channel"))
                        .body("messages[0].action.url", equalTo("http://localhost:3000/channels/new")));

        JsonNode event = json.readTree(deliveryEvents(id, 1).getFirst().value());
        assertThat(event.get("status").asText()).isEqualTo("delivered");
        assertThat(event.get("channel").asText()).isEqualTo("in_app");
        assertThat(event.get("journey").asText()).isEqualTo("onboarding");

        // One transaction from request to inbox: stored and delivered at the same instant, by the consumer, with no
        // hand-off to the delivery worker (whose round would stamp the inbox message later than the request).
        assertThat(ErasureTest.rows(
                        "SELECT count(*) FROM dispatch.deliveries d JOIN dispatch.inbox_messages i USING (message_id)"
                                + " WHERE d.message_id = ? AND d.status = 'delivered' AND i.created_at = d.created_at"
                                + " AND d.delivered_by = 'in_app' AND d.attempts = 1",
                        id))
                .isEqualTo(1);
    }

    @Test
    void holdsARequestUntilItsNotBeforeThenDeliversIt() throws Exception {
        String user = newUser();
        String id = Requests.newId();
        Instant notBefore = Instant.now().plusSeconds(4).truncatedTo(ChronoUnit.MILLIS);
        Requests.send(user, Requests.inAppNotBefore(id, user, notBefore));

        // Stored at once, pending, due at notBefore: not in the inbox before then
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ErasureTest.rows(
                                "SELECT count(*) FROM dispatch.deliveries WHERE message_id = ? AND status = 'pending'"
                                        + " AND next_attempt_at = '" + notBefore + "'::timestamptz",
                                id)
                        == 1);
        assertThat(ErasureTest.rows("SELECT count(*) FROM dispatch.inbox_messages WHERE message_id = ?", id))
                .isZero();

        // Then delivered by the worker once it is due, and no earlier
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ErasureTest.rows(
                                "SELECT count(*) FROM dispatch.inbox_messages WHERE message_id = ? AND created_at >= '"
                                        + notBefore + "'::timestamptz",
                                id)
                        == 1);
        assertThat(json.readTree(deliveryEvents(id, 1).getFirst().value())
                        .get("status")
                        .asText())
                .isEqualTo("delivered");
    }

    @Test
    void sendsAnEmailWithEscapedHtmlAndATextPart() {
        String user = newUser();
        String address = user + "@example.com";
        String id = Requests.newId();
        Requests.send(
                user,
                Requests.request(
                        id,
                        user,
                        "email",
                        "[]",
                        "welcome",
                        null,
                        "{\"email\":\"" + address
                                + "\",\"firstName\":\"Ada\",\"workspace\":\"<script>alert(1)</script>\"}"));

        ReceivedMail mail = firstMailTo(address);
        assertThat(mail.subject()).isEqualTo("Welcome Ada");
        assertThat(mail.html())
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .doesNotContain("<script>");
        assertThat(mail.text()).contains("Hi Ada,").contains("Invite a teammate (http://localhost:3000/invite)");
        assertThat(mail.header("Message-ID")).isEqualTo("<" + id + "@onramp>");
        assertThat(deliveryEvents(id, 1).getFirst().value()).contains("\"status\":\"sent\"");
    }

    @Test
    void signsAnEmailWithTheTeammateWhoseRepliesItInvites() {
        String user = newUser();
        String address = user + "@example.com";
        String id = Requests.newId();
        String traits = "{\"email\":\"" + address + "\",\"firstName\":\"Ada\"}";
        Requests.send(
                user,
                Requests.signed(Requests.request(id, user, "email", "[]", "welcome", null, traits), Requests.BELLE));

        ReceivedMail mail = firstMailTo(address);
        // The person, at the product, from the configured address (so SPF and DKIM still pass); replies go to her.
        assertThat(mail.header("From")).isEqualTo("\"Belle at Onramp\" <onboarding@onramp.localhost>");
        assertThat(mail.header("Reply-To")).isEqualTo("belle@acme.example");
    }

    @Test
    void showsWhoSignedAnInAppMessage() {
        String user = newUser();
        String signed = Requests.newId();
        String unsigned = Requests.newId();
        Requests.send(
                user,
                Requests.signed(
                        Requests.request(signed, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"),
                        Requests.BELLE));
        Requests.send(
                user, Requests.request(unsigned, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"));

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().header("X-Onramp-User-Hash", UserHash.of(SECRET, user))
                        .get("/v1/inbox/{user}/messages", user)
                        .then()
                        .statusCode(200)
                        .body("messages.size()", equalTo(2))
                        .body("messages.find { it.id == '" + signed + "' }.sender.name", equalTo("Belle"))
                        .body("messages.find { it.id == '" + signed + "' }.sender.role", equalTo("Content Crafter"))
                        .body(
                                "messages.find { it.id == '" + signed + "' }.sender.avatar",
                                equalTo("https://acme.example/team/belle.png"))
                        // The teammate's address is for replies, not shown to the user's page.
                        .body("messages.find { it.id == '" + signed + "' }.sender.email", equalTo(null))
                        .body("messages.find { it.id == '" + unsigned + "' }.sender", equalTo(null)));
    }

    @Test
    void picksTheTemplateInTheUsersLanguage() {
        String user = newUser();
        String address = user + "@example.com";
        Requests.send(
                user,
                Requests.request(
                        Requests.newId(),
                        user,
                        "email",
                        "[]",
                        "welcome",
                        "fr-CA",
                        "{\"email\":\"" + address + "\",\"firstName\":\"Zoé\"}"));

        ReceivedMail mail = firstMailTo(address);
        assertThat(mail.subject()).isEqualTo("Bienvenue Zoé");
    }

    @Test
    void rendersABroadcastsInlineContentByTheRulesOfATemplateAndFallsBackToItsInAppContent() throws Exception {
        String user = newUser();
        String address = user + "@example.com";
        String emailed = Requests.newId();
        String content = """
                {"email":{"subject":"Sign-in is failing, {user.traits.firstName}","body":"<p>Hi {user.traits.firstName}, sign-in fails on the EU cluster.</p><p>— {sender.name}</p>"},
                 "in_app":{"title":"Sign-in is failing","body":"We are on it, {user.traits.firstName}."}}""";
        Requests.send(
                user,
                Requests.signed(
                        Requests.inline(
                                Requests.request(
                                        emailed,
                                        user,
                                        "email",
                                        "[\"in_app\"]",
                                        "welcome",
                                        "fr",
                                        "{\"email\":\"" + address + "\",\"firstName\":\"<Zoé>\"}"),
                                "b-inline",
                                content),
                        Requests.BELLE));

        ReceivedMail mail = firstMailTo(address);
        assertThat(mail.subject()).isEqualTo("Sign-in is failing, <Zoé>");
        assertThat(mail.html()).contains("Hi &lt;Zoé&gt;, sign-in fails").contains("— Belle");
        assertThat(mail.text()).contains("Hi <Zoé>, sign-in fails");

        // No email address: the in-app content, in the inbox, named by the broadcast.
        String other = newUser();
        String stored = Requests.newId();
        Requests.send(
                other,
                Requests.inline(
                        Requests.request(
                                stored, other, "email", "[\"in_app\"]", "welcome", null, "{\"firstName\":\"Ana\"}"),
                        "b-inline",
                        content));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().header("X-Onramp-User-Hash", UserHash.of(SECRET, other))
                        .get("/v1/inbox/{user}/messages", other)
                        .then()
                        .statusCode(200)
                        .body("messages[0].id", equalTo(stored))
                        .body("messages[0].title", equalTo("Sign-in is failing"))
                        .body("messages[0].body", equalTo("We are on it, Ana.")));
        JsonNode event = json.readTree(deliveryEvents(stored, 1).getFirst().value());
        assertThat(event.get("broadcast").asText()).isEqualTo("b-inline");
        assertThat(event.get("detail").asText()).contains("the user has no email trait");
    }

    @Test
    void deliversAMessageIdOnceHoweverOftenItArrives() {
        String user = newUser();
        String address = user + "@example.com";
        String id = Requests.newId();
        String request = Requests.request(id, user, "email", "[]", "welcome", null, "{\"email\":\"" + address + "\"}");
        Requests.send(user, request);
        Requests.send(user, request);
        Requests.send(user, request);

        deliveryEvents(id, 1);
        // Give any duplicate every chance to arrive before counting.
        var events = TopicReader.all(
                Infra.kafka().bootstrapServers(),
                "onramp.delivery-events",
                r -> r.value().contains(id),
                Duration.ofSeconds(3));
        assertThat(events).hasSize(1);
        assertThat(Infra.smtp().mailsTo(address)).hasSize(1);
    }

    @Test
    void fallsBackToTheInboxWhenAnEmailCannotBeRendered() {
        String user = newUser();
        String id = Requests.newId();
        // needs-company uses a trait the user lacks, without a default: the email fails, the in-app fallback works.
        Requests.send(
                user,
                Requests.request(
                        id, user, "email", "[\"in_app\"]", "needs-company", null, "{\"email\":\"x@example.com\"}"));

        JsonNode event = await().atMost(Duration.ofSeconds(30))
                .until(() -> json.readTree(deliveryEvents(id, 1).getFirst().value()), e -> e != null);
        assertThat(event.get("status").asText()).isEqualTo("delivered");
        assertThat(event.get("channel").asText()).isEqualTo("in_app");
        assertThat(event.get("detail").asText()).contains("company");
    }

    @Test
    void refusesAnInboxWithoutTheRightUserHash() {
        String user = newUser();
        given().get("/v1/inbox/{user}/messages", user).then().statusCode(403).contentType("application/problem+json");
        given().queryParam("userHash", UserHash.of(SECRET, "someone-else"))
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .statusCode(403);
        given().queryParam("userHash", UserHash.of(SECRET, user))
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .statusCode(200);
    }

    @Test
    void recordsReadsClicksAndDismissalsAndReportsThem() {
        String user = newUser();
        String id = Requests.newId();
        String hash = UserHash.of(SECRET, user);
        Requests.send(user, Requests.request(id, user, "in_app", "[]", "welcome", null, "{}"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/unread-count", user)
                .then()
                .body("unread", equalTo(1)));

        given().header("X-Onramp-User-Hash", hash)
                .post("/v1/inbox/{user}/messages/{id}/click", user, id)
                .then()
                .statusCode(204);
        given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/unread-count", user)
                .then()
                .body("unread", equalTo(0));
        given().header("X-Onramp-User-Hash", hash)
                .post("/v1/inbox/{user}/messages/{id}/dismiss", user, id)
                .then()
                .statusCode(204);
        given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .body("messages.size()", equalTo(0));
        given().header("X-Onramp-User-Hash", hash)
                .post("/v1/inbox/{user}/messages/nope/read", user)
                .then()
                .statusCode(404);

        var statuses = deliveryEvents(id, 3).stream()
                .map(r -> r.value().replaceAll(".*\"status\":\"([a-z]+)\".*", "$1"))
                .toList();
        assertThat(statuses).containsExactly("delivered", "clicked", "dismissed");
    }
}
