package dev.onramp.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.inapp.UserHash;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * What users write back from their inbox (docs/conversations.md): feedback and replies are taken behind the user hash,
 * joined to their thread and published on onramp.conversations by its contract; a teammate's answer (origin answer)
 * joins the same thread; bad input is a problem naming the field; a user who writes too much gets 429.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = WireMockResource.class, restrictToAnnotatedClass = true)
class ConversationsTest {

    static final String SECRET = "test-inbox-secret";
    final ObjectMapper json = new ObjectMapper();

    static ValidatableResponse write(String user, String body) {
        return given().header("X-Onramp-User-Hash", UserHash.of(SECRET, user))
                .contentType("application/json")
                .body(body)
                .post("/v1/inbox/{user}/conversations", user)
                .then();
    }

    /** The records on onramp.conversations about this user, each checked against the contract. */
    static List<ConsumerRecord<String, String>> published(String user, int count) {
        var records = TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.conversations",
                r -> user.equals(r.key()),
                count,
                Duration.ofSeconds(30));
        records.forEach(r -> Contracts.check(Contracts.CONVERSATIONS, r.value()));
        return records;
    }

    @Test
    void feedbackOpensAConversationInTheUsersInboxAndIsPublishedOnce() throws Exception {
        String user = "user-" + UUID.randomUUID();
        String body = "{\"text\":\"  The export button <b>does nothing</b>\\r\\non Safari.  \",\"category\":\"bug\","
                + "\"id\":\"fb-1\"}";

        String conversation = write(user, body)
                .statusCode(201)
                .body("message.origin", equalTo("user"))
                .body("message.body", equalTo("The export button <b>does nothing</b>\non Safari."))
                .body("message.readAt", notNullValue())
                .extract()
                .path("conversationId");
        // Sent again (a retry after a lost answer): the same message, taken once.
        write(user, body).statusCode(200).body("conversationId", equalTo(conversation));

        var records = published(user, 1);
        JsonNode record = json.readTree(records.getFirst().value());
        assertThat(record.get("kind").asText()).isEqualTo("feedback");
        assertThat(record.get("conversationId").asText()).isEqualTo(conversation);
        assertThat(record.get("category").asText()).isEqualTo("bug");
        assertThat(record.get("channel").asText()).isEqualTo("in_app");
        assertThat(record.has("messageId")).isFalse();
        // The user's own words count as read: they do not light the badge.
        given().header("X-Onramp-User-Hash", UserHash.of(SECRET, user))
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .body("unread", equalTo(0))
                .body("messages.size()", equalTo(1))
                .body("feedback.categories", hasItem("billing"));
        assertThat(TopicReader.all(
                        Infra.kafka().bootstrapServers(),
                        "onramp.conversations",
                        r -> user.equals(r.key()),
                        Duration.ofSeconds(2)))
                .hasSize(1);
    }

    @Test
    void aReplyToAMessageThatTakesThemOpensItsConversationAndATeammatesAnswerJoinsIt() throws Exception {
        String user = "user-" + UUID.randomUUID();
        String hash = UserHash.of(SECRET, user);
        String asked = Requests.newId();
        String closed = Requests.newId();
        Requests.send(
                user,
                Requests.replyable(
                        Requests.request(asked, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}")));
        Requests.send(user, Requests.request(closed, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .body("messages.size()", equalTo(2))
                .body("messages.find { it.id == '" + asked + "' }.replies", equalTo(true))
                .body("messages.find { it.id == '" + closed + "' }.replies", equalTo(false)));

        write(user, "{\"text\":\"Where do I find the invite link?\",\"replyTo\":\"" + closed + "\"}")
                .statusCode(409)
                .body("errors[0].pointer", equalTo("/replyTo"));
        write(user, "{\"text\":\"hi\",\"replyTo\":\"no-such-message\"}").statusCode(404);

        String conversation = write(
                        user, "{\"text\":\"Where do I find the invite link?\",\"replyTo\":\"" + asked + "\"}")
                .statusCode(201)
                .extract()
                .path("conversationId");
        // A second reply to the same message continues its conversation.
        write(user, "{\"text\":\"Found it, thanks!\",\"replyTo\":\"" + asked + "\"}")
                .statusCode(201)
                .body("conversationId", equalTo(conversation));

        var records = published(user, 2);
        JsonNode first = json.readTree(records.getFirst().value());
        assertThat(first.get("kind").asText()).isEqualTo("reply");
        assertThat(first.get("messageId").asText()).isEqualTo(asked);
        assertThat(first.get("journey").asText()).isEqualTo("onboarding");
        assertThat(first.get("step").asText()).isEqualTo("welcome");
        assertThat(json.readTree(records.get(1).value()).get("conversationId").asText())
                .isEqualTo(conversation);

        // Belle answers: her words join the thread, as text, signed, and the user may answer her.
        String answer = Requests.newId();
        Requests.send(
                user,
                Requests.answer(
                        answer,
                        user,
                        conversation,
                        "It's under Settings → Members. {user.id} <i>hi</i>",
                        Requests.BELLE));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .body("messages.size()", equalTo(5))
                .body("unread", equalTo(3))
                .body("messages.find { it.id == '" + answer + "' }.origin", equalTo("teammate"))
                .body("messages.find { it.id == '" + answer + "' }.conversation", equalTo(conversation))
                .body("messages.find { it.id == '" + answer + "' }.replies", equalTo(true))
                .body("messages.find { it.id == '" + answer + "' }.sender.name", equalTo("Belle"))
                .body(
                        "messages.find { it.id == '" + answer + "' }.body",
                        equalTo("It's under Settings → Members. {user.id} <i>hi</i>"))
                .body("messages.find { it.id == '" + asked + "' }.conversation", equalTo(conversation)));

        // Her answer can be answered: the same conversation.
        write(user, "{\"text\":\"Perfect.\",\"replyTo\":\"" + answer + "\"}")
                .statusCode(201)
                .body("conversationId", equalTo(conversation));
        JsonNode third = json.readTree(published(user, 3).get(2).value());
        assertThat(third.get("messageId").asText()).isEqualTo(answer);
        assertThat(third.get("step").asText()).isEqualTo("welcome");
    }

    @Test
    void refusesWhatIsNotTextFromTheUserAndLimitsHowMuchTheyWrite() {
        String user = "user-" + UUID.randomUUID();
        given().header("X-Onramp-User-Hash", UserHash.of(SECRET, "someone-else"))
                .contentType("application/json")
                .body("{\"text\":\"hello\"}")
                .post("/v1/inbox/{user}/conversations", user)
                .then()
                .statusCode(403);
        write(user, "{}").statusCode(400).body("errors[0].pointer", equalTo("/text"));
        write(user, "{\"text\":42}").statusCode(400).body("errors[0].pointer", equalTo("/text"));
        write(user, "{\"text\":\"" + "x".repeat(2001) + "\"}")
                .statusCode(400)
                .body("errors[0].pointer", equalTo("/text"));
        write(user, "{\"text\":\"a\\u0000b\"}").statusCode(400).body("errors[0].pointer", equalTo("/text"));
        write(user, "{\"text\":\"hi\",\"category\":\"lottery\"}")
                .statusCode(400)
                .body("errors[0].pointer", equalTo("/category"));
        write(user, "{\"text\":\"hi\",\"to\":\"ceo\"}").statusCode(400).body("errors[0].pointer", equalTo("/to"));
        write(user, "[1]").statusCode(400);

        for (int i = 0; i < 10; i++) {
            write(user, "{\"text\":\"message " + i + "\"}").statusCode(201);
        }
        write(user, "{\"text\":\"one too many\"}")
                .statusCode(429)
                .header("Retry-After", "60")
                .header("Content-Type", "application/problem+json");
    }
}
