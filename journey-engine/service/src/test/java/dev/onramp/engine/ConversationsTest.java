package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What users write back, as journey-engine takes it from onramp.conversations: recorded once however often it comes,
 * on the user's story (explain); listed for the team; answered by a teammate of team.yaml, which leaves as a message
 * request of origin answer by the contract, once per idempotency key; a record that breaks the contract is parked.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class ConversationsTest {

    static final String TOKEN = "test-admin-token";
    static final String TOPIC = "onramp.conversations";
    static final ObjectMapper JSON = new ObjectMapper();

    static String reply(String id, String conversation, String user, String text) {
        String record = """
                {"id":"%s","conversationId":"%s","userId":"%s","kind":"reply","channel":"in_app",\
                "messageId":"m-1","journey":"quickstart","step":"invite-teammate","text":%s,"at":"%s"}""".formatted(id, conversation, user, JSON.valueToTree(text), Instant.now());
        Contracts.check(Contracts.CONVERSATIONS, record);
        return record;
    }

    @Test
    void aReplyIsRecordedOnceOnTheUsersStoryAndATeammatesAnswerGoesBackOnce() throws Exception {
        String user = JourneyEngineTest.newUser();
        Events.identify(user, "{\"email\":\"" + user + "@example.com\",\"locale\":\"fr\"}");
        String conversation = "cv-" + UUID.randomUUID();
        String record = reply("w-" + UUID.randomUUID(), conversation, user, "Where is the   invite link?");

        // Published twice (a relay that crashed before Kafka's acknowledgement): one message, one line.
        Events.send(TOPIC, user, record);
        Events.send(TOPIC, user, record);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count(
                                "SELECT count(*) FROM engine.conversation_messages WHERE conversation_id = ?",
                                conversation)
                        == 1);
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/conversations?status=open")
                .then()
                .statusCode(200)
                .body("conversations.id", hasItem(conversation));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth()
                .oauth2(TOKEN)
                .get("/v1/users/{user}/journeys", user)
                .then()
                .statusCode(200)
                .body("conversations[0].conversation.id", equalTo(conversation))
                .body("conversations[0].conversation.step", equalTo("invite-teammate"))
                .body("conversations[0].conversation.status", equalTo("open"))
                .body("conversations[0].conversation.route", equalTo("rest"))
                .body("conversations[0].conversation.destinations", org.hamcrest.Matchers.contains("zendesk"))
                .body("conversations[0].log.size()", equalTo(2))
                .body("conversations[0].log[1].kind", equalTo("routed"))
                .body("conversations[0].log[1].detail", equalTo("rule rest: to zendesk"))
                .body("conversations[0].log[0].kind", equalTo("conversation"))
                .body(
                        "conversations[0].log[0].detail",
                        equalTo("replied to step invite-teammate of quickstart by in-app:"
                                + " “Where is the invite link?”")));

        // Belle answers, with a key: the same call again answers once.
        String key = UUID.randomUUID().toString();
        String answer = given().auth()
                .oauth2(TOKEN)
                .header("Idempotency-Key", key)
                .contentType("application/json")
                .body("{\"teammate\":\"belle\",\"text\":\"Settings → Members → Invite. {user.id}\"}")
                .post("/v1/conversations/{id}/messages", conversation)
                .then()
                .statusCode(201)
                .body("name", equalTo("Belle"))
                .extract()
                .path("id");
        given().auth()
                .oauth2(TOKEN)
                .header("Idempotency-Key", key)
                .contentType("application/json")
                .body("{\"teammate\":\"belle\",\"text\":\"Settings → Members → Invite. {user.id}\"}")
                .post("/v1/conversations/{id}/messages", conversation)
                .then()
                .statusCode(200)
                .body("id", equalTo(answer));

        var requests = TopicReader.all(
                Infra.kafka().bootstrapServers(),
                "onramp.message-requests",
                r -> r.value().contains(conversation) && r.value().contains("\"origin\":\"answer\""),
                Duration.ofSeconds(3));
        assertThat(requests).hasSize(1);
        Contracts.check(Contracts.MESSAGE_REQUESTS, requests.getFirst().value());
        JsonNode request = JSON.readTree(requests.getFirst().value());
        assertThat(request.get("origin").asText()).isEqualTo("answer");
        assertThat(request.get("messageId").asText()).isEqualTo(answer);
        assertThat(request.get("text").asText()).isEqualTo("Settings → Members → Invite. {user.id}");
        assertThat(request.get("channel").asText()).isEqualTo("in_app");
        assertThat(request.get("locale").asText()).isEqualTo("fr");
        assertThat(request.at("/sender/name").asText()).isEqualTo("Belle");
        assertThat(request.at("/user/traits/email").asText()).isEqualTo(user + "@example.com");

        given().auth()
                .oauth2(TOKEN)
                .get("/v1/conversations/{id}", conversation)
                .then()
                .statusCode(200)
                .body("messages.author", org.hamcrest.Matchers.contains("user", "belle"))
                .body("messages[1].name", equalTo("Belle"))
                .body("conversation.messages", equalTo(2));

        // Assigned and tagged by hand over what routes.yaml decided; a field left out stays as it is
        given().auth()
                .oauth2(TOKEN)
                .contentType("application/json")
                .body("{\"assignee\":\"belle\",\"tags\":[\"Invites\",\"invites\",\"how-to\"]}")
                .patch("/v1/conversations/{id}", conversation)
                .then()
                .statusCode(200)
                .body("assignee", equalTo("belle"))
                .body("tags", org.hamcrest.Matchers.contains("invites", "how-to"));
        given().auth()
                .oauth2(TOKEN)
                .contentType("application/json")
                .body("{\"assignee\":null}")
                .patch("/v1/conversations/{id}", conversation)
                .then()
                .statusCode(200)
                .body("assignee", org.hamcrest.Matchers.nullValue())
                .body("tags", org.hamcrest.Matchers.contains("invites", "how-to"));
        given().auth()
                .oauth2(TOKEN)
                .contentType("application/json")
                .body("{\"assignee\":\"nobody-here\"}")
                .patch("/v1/conversations/{id}", conversation)
                .then()
                .statusCode(400)
                .body("errors[0].pointer", equalTo("/assignee"));
        given().auth()
                .oauth2(TOKEN)
                .contentType("application/json")
                .body("{\"tags\":[\"ok\",\"not a tag!\"]}")
                .patch("/v1/conversations/{id}", conversation)
                .then()
                .statusCode(400)
                .body("errors[0].pointer", equalTo("/tags/1"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth()
                .oauth2(TOKEN)
                .get("/v1/users/{user}/journeys", user)
                .then()
                .body(containsString("assigned to belle; tagged invites, how-to by the admin API"))
                .body(containsString("unassigned by the admin API")));

        // Closed by the team; the user writing again opens it again.
        given().auth()
                .oauth2(TOKEN)
                .post("/v1/conversations/{id}/close", conversation)
                .then()
                .statusCode(200)
                .body("status", equalTo("closed"));
        Events.send(TOPIC, user, reply("w-" + UUID.randomUUID(), conversation, user, "Thanks!"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(TOKEN)
                .get("/v1/conversations/{id}", conversation)
                .then()
                .body("conversation.status", equalTo("open"))
                .body("conversation.messages", equalTo(3)));
    }

    @Test
    void aConversationGoesWhereTheFirstRuleThatHoldsSendsItOnceWhenItOpens() throws Exception {
        // Given an enterprise customer (the billing rule takes whatever they write)
        String user = JourneyEngineTest.newUser();
        Events.identify(user, "{\"plan\":\"enterprise\"}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.profiles WHERE user_id = ?", user) == 1);
        String conversation = "cv-" + UUID.randomUUID();

        // When they write, and write again
        Events.send(TOPIC, user, reply("w-" + UUID.randomUUID(), conversation, user, "Where is the audit log?"));
        Events.send(TOPIC, user, reply("w-" + UUID.randomUUID(), conversation, user, "Hello?"));

        // Then the conversation has the billing rule's team, priority, assignee, tags and destinations, routed once
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(TOKEN)
                .get("/v1/conversations/{id}", conversation)
                .then()
                .statusCode(200)
                .body("conversation.messages", equalTo(2))
                .body("conversation.route", equalTo("billing"))
                .body("conversation.team", equalTo("product"))
                .body("conversation.priority", equalTo("high"))
                .body("conversation.assignee", equalTo("joel"))
                .body("conversation.tags", org.hamcrest.Matchers.contains("billing"))
                .body("conversation.destinations", org.hamcrest.Matchers.contains("zendesk", "slack")));
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/users/{user}/journeys", user)
                .then()
                .body(
                        "conversations[0].log.kind",
                        org.hamcrest.Matchers.contains("conversation", "routed", "conversation"))
                .body(
                        "conversations[0].log[1].detail",
                        equalTo("rule billing: team product, priority high, assigned to joel, tags billing, to zendesk,"
                                + " slack"));
    }

    @Test
    void eachMessageOfARoutedConversationIsHandedToItsDestinationsOnceAndTheTicketComesBack() throws Exception {
        // Given a user whose refund question the billing rule sends to zendesk and slack
        String user = JourneyEngineTest.newUser();
        Events.identify(user, "{\"email\":\"" + user + "@example.com\",\"firstName\":\"Ada\"}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.profiles WHERE user_id = ?", user) == 1);
        String conversation = "cv-" + UUID.randomUUID();
        String opening = reply("w-" + UUID.randomUUID(), conversation, user, "I want a refund");

        // When it opens (published twice) and the user follows up
        Events.send(TOPIC, user, opening);
        Events.send(TOPIC, user, opening);
        Events.send(TOPIC, user, reply("w-" + UUID.randomUUID(), conversation, user, "Any news?"));

        // Then each message goes to each destination once, by the contract, the first opening it
        var handoffs = TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.message-requests",
                r -> r.value().contains(conversation) && r.value().contains("\"hand-off\""),
                4,
                Duration.ofSeconds(30));
        assertThat(TopicReader.all(
                        Infra.kafka().bootstrapServers(),
                        "onramp.message-requests",
                        r -> r.value().contains(conversation) && r.value().contains("\"hand-off\""),
                        Duration.ofSeconds(2)))
                .hasSize(4);
        List<JsonNode> requests = new java.util.ArrayList<>();
        for (var r : handoffs) {
            Contracts.check(Contracts.MESSAGE_REQUESTS, r.value());
            requests.add(JSON.readTree(r.value()));
        }
        assertThat(requests)
                .extracting(r -> r.get("destination").asText() + " "
                        + r.at("/handoff/kind").asText() + " "
                        + r.at("/handoff/first").asBoolean() + " "
                        + r.get("text").asText())
                .containsExactlyInAnyOrder(
                        "zendesk helpdesk true I want a refund",
                        "slack chat true I want a refund",
                        "zendesk helpdesk false Any news?",
                        "slack chat false Any news?");
        JsonNode zendesk = requests.stream()
                .filter(r -> r.get("destination").asText().equals("zendesk")
                        && r.at("/handoff/first").asBoolean())
                .findFirst()
                .orElseThrow();
        assertThat(zendesk.at("/handoff/tags").toString()).isEqualTo("[\"billing\"]");
        assertThat(zendesk.at("/handoff/priority").asText()).isEqualTo("high");
        assertThat(zendesk.at("/user/traits/email").asText()).isEqualTo(user + "@example.com");

        // When message-dispatch reports the ticket
        String report = """
                {"messageId":"%s","userId":"%s","journey":null,"step":null,"channel":"in_app","status":"delivered",
                 "at":"%s","detail":"opened ticket 35436","conversation":"%s","destination":"zendesk","ticket":"35436"}""".formatted(zendesk.get("messageId").asText(), user, Instant.now(), conversation);
        Contracts.check(Contracts.DELIVERY_EVENTS, report);
        Events.send("onramp.delivery-events", user, report);

        // Then the conversation has its ticket, and the user's story says so
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(TOKEN)
                .get("/v1/conversations/{id}", conversation)
                .then()
                .body("conversation.tickets.zendesk", equalTo("35436")));
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/users/{user}/journeys", user)
                .then()
                .body(
                        "conversations[0].log.findAll { it.kind == 'handed_off' }.detail",
                        org.hamcrest.Matchers.contains("handed to zendesk: opened ticket 35436"));
    }

    @Test
    void aHelpDeskAgentsAnswerGoesToTheUsersThreadSignedAsTheTeammateWithTheirEmailAndIsNotHandedBack()
            throws Exception {
        String user = JourneyEngineTest.newUser();
        String conversation = "cv-" + UUID.randomUUID();
        Events.send(TOPIC, user, reply("w-" + UUID.randomUUID(), conversation, user, "Is anyone there?"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.conversations WHERE id = ?", conversation) == 1);

        // When two agents answer in the help desk: Joel (joel@acme.example is in team.yaml) and Ann (who is not)
        for (String[] agent : new String[][] {{"Joel Gascoigne", "joel@acme.example"}, {"Ann", "ann@acme.example"}}) {
            String answer =
                    """
                    {"id":"hd-%s","conversationId":"%s","userId":"%s","kind":"answer","channel":"in_app",\
                    "text":"Yes, %s here.","author":{"name":"%s","email":"%s"},"destination":"zendesk","ticket":"35436",\
                    "at":"%s"}""".formatted(UUID.randomUUID(), conversation, user, agent[0], agent[0], agent[1], Instant.now());
            Contracts.check(Contracts.CONVERSATIONS, answer);
            Events.send(TOPIC, user, answer);
        }

        // Then each goes to the user once, signed
        var answers = TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.message-requests",
                r -> r.value().contains(conversation) && r.value().contains("\"origin\":\"answer\""),
                2,
                Duration.ofSeconds(30));
        List<String> senders = new java.util.ArrayList<>();
        for (var r : answers) {
            Contracts.check(Contracts.MESSAGE_REQUESTS, r.value());
            JsonNode request = JSON.readTree(r.value());
            senders.add(request.at("/sender/name").asText() + " · "
                    + request.at("/sender/role").asText() + ": "
                    + request.get("text").asText());
        }
        assertThat(senders)
                .containsExactlyInAnyOrder("Joel · CEO: Yes, Joel Gascoigne here.", "Ann · Support: Yes, Ann here.");
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/conversations/{id}", conversation)
                .then()
                .body("messages.author", org.hamcrest.Matchers.contains("user", "joel", "agent:Ann"))
                .body("messages.name", org.hamcrest.Matchers.contains(null, "Joel", "Ann"));
        // An agent's words never go back to the help desk: only the user's message was handed over.
        assertThat(TopicReader.all(
                        Infra.kafka().bootstrapServers(),
                        "onramp.message-requests",
                        r -> r.value().contains(conversation) && r.value().contains("\"hand-off\""),
                        Duration.ofSeconds(1)))
                .hasSize(1);
    }

    @Test
    void anAnswerNeedsATeammateOfTheTeamFileAndTextAndTheAdminToken() {
        String user = JourneyEngineTest.newUser();
        String conversation = "cv-" + UUID.randomUUID();
        Events.send(TOPIC, user, reply("w-" + UUID.randomUUID(), conversation, user, "hello?"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.conversations WHERE id = ?", conversation) == 1);

        given().contentType("application/json")
                .body("{\"teammate\":\"belle\",\"text\":\"hi\"}")
                .post("/v1/conversations/{id}/messages", conversation)
                .then()
                .statusCode(401);
        given().auth()
                .oauth2(TOKEN)
                .contentType("application/json")
                .body("{\"teammate\":\"mallory\",\"text\":\"hi\"}")
                .post("/v1/conversations/{id}/messages", conversation)
                .then()
                .statusCode(400)
                .body("errors[0].pointer", equalTo("/teammate"))
                .body("detail", startsWith("teammate: names a teammate of team.yaml (belle, joel)"));
        given().auth()
                .oauth2(TOKEN)
                .contentType("application/json")
                .body("{\"teammate\":\"belle\",\"text\":\"  \"}")
                .post("/v1/conversations/{id}/messages", conversation)
                .then()
                .statusCode(400)
                .body("errors[0].pointer", equalTo("/text"));
        given().auth()
                .oauth2(TOKEN)
                .contentType("application/json")
                .body("{\"teammate\":\"belle\",\"text\":\"hi\"}")
                .post("/v1/conversations/{id}/messages", "cv-nobody")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/conversations?status=pending")
                .then()
                .statusCode(400);
    }

    @Test
    void aConversationRecordThatBreaksTheContractIsParkedAndTheNextOneIsTaken() throws Exception {
        String user = JourneyEngineTest.newUser();
        Events.send(TOPIC, user, "{\"id\":\"w-broken\",\"userId\":\"" + user + "\",\"kind\":\"reply\"}");
        String conversation = "cv-" + UUID.randomUUID();
        Events.send(TOPIC, user, reply("w-" + UUID.randomUUID(), conversation, user, "still here"));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.conversations WHERE id = ?", conversation) == 1);
        var parked = TopicReader.await(
                Infra.kafka().bootstrapServers(), TOPIC + ".dlq", r -> user.equals(r.key()), 1, Duration.ofSeconds(30));
        assertThat(new String(parked.getFirst()
                        .headers()
                        .lastHeader("onramp-dlq-reason")
                        .value()))
                .contains("conversationId, channel, text, at");
    }
}
