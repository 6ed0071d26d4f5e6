package dev.onramp.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Replies by email (docs/conversations.md): an email that takes replies goes out through a real SMTP server with its
 * own signed reply address; the raw reply posted by the provider's inbound route joins that message's conversation
 * on onramp.conversations — its new text only, once however often it is posted — and a forged address, a wrong
 * token and an out-of-office are told apart.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = WireMockResource.class, restrictToAnnotatedClass = true)
class EmailRepliesTest {

    static final String TOKEN = "test-inbound-token";
    final ObjectMapper json = new ObjectMapper();

    @Test
    void aReplyToTheSignedAddressJoinsTheConversationOfTheEmailItAnswers() throws Exception {
        String user = "user-" + UUID.randomUUID();
        String address = user + "@example.com";
        String asked = Requests.newId();
        String plain = Requests.newId();
        String traits = "{\"email\":\"" + address + "\",\"firstName\":\"Ada\"}";
        Requests.send(
                user,
                Requests.signed(
                        Requests.replyable(Requests.request(asked, user, "email", "[]", "welcome", null, traits)),
                        Requests.BELLE));
        ReceivedMail mail = MessageDispatchTest.firstMailTo(address);
        String replyTo = mail.header("Reply-To");
        assertThat(replyTo).matches(asked + "\\.[0-9a-f]{16}@reply\\.onramp\\.test");
        // A message that takes no replies still sends them to the teammate who signs it.
        Requests.send(
                user,
                Requests.signed(
                        Requests.request(
                                plain, user, "email", "[]", "welcome", null, "{\"email\":\"other-" + address + "\"}"),
                        Requests.BELLE));
        assertThat(MessageDispatchTest.firstMailTo("other-" + address).header("Reply-To"))
                .isEqualTo("belle@acme.example");

        // The provider's inbound route posts the reply, twice (a retry)
        String reply = """
                From: Ada <%s>
                To: Belle at Acme <%s>
                Subject: Re: Welcome Ada
                Message-ID: <reply-%s@mail.example.com>
                In-Reply-To: %s
                Content-Type: text/plain; charset=UTF-8

                Where is the invite link? <b>not bold</b>

                On Mon, 7 Dec 2026 at 15:00, Belle at Acme <onboarding@onramp.localhost> wrote:
                > Hi Ada,
                """.formatted(address, replyTo, user, mail.header("Message-ID"));
        String conversation = post(reply, "Bearer " + TOKEN)
                .statusCode(200)
                .body("accepted", equalTo(true))
                .body("repeated", equalTo(false))
                .extract()
                .path("conversation");
        post(reply, basic("inbound", TOKEN)).statusCode(200).body("repeated", equalTo(true));

        var records = TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.conversations",
                r -> user.equals(r.key()),
                1,
                Duration.ofSeconds(30));
        Contracts.check(Contracts.CONVERSATIONS, records.getFirst().value());
        JsonNode written = json.readTree(records.getFirst().value());
        assertThat(written.get("channel").asText()).isEqualTo("email");
        assertThat(written.get("kind").asText()).isEqualTo("reply");
        assertThat(written.get("messageId").asText()).isEqualTo(asked);
        assertThat(written.get("step").asText()).isEqualTo("welcome");
        assertThat(written.get("conversationId").asText()).isEqualTo(conversation);
        assertThat(written.get("text").asText()).isEqualTo("Where is the invite link? <b>not bold</b>");
        assertThat(TopicReader.all(
                        Infra.kafka().bootstrapServers(),
                        "onramp.conversations",
                        r -> user.equals(r.key()),
                        Duration.ofSeconds(2)))
                .as("posted twice, published once")
                .hasSize(1);

        // A reply address whose tag is not ours: refused, naming the field
        String forged = replyTo.replaceFirst("\\.[0-9a-f]{16}@", ".0000000000000000@");
        post(reply.replace(replyTo, forged), "Bearer " + TOKEN)
                .statusCode(403)
                .contentType("application/problem+json")
                .body("errors[0].pointer", equalTo("/to"));
        // The wrong token, or none: refused before anything is read
        post(reply, "Bearer not-the-token").statusCode(401);
        post(reply, null).statusCode(401);
        // An out-of-office, and mail to another address: acknowledged, not taken
        post(
                        reply.replace("Subject:", "Auto-Submitted: auto-replied\nSubject:")
                                .replace("<reply-", "<ooo-"),
                        "Bearer " + TOKEN)
                .statusCode(202)
                .body("accepted", equalTo(false));
        post(reply.replace(replyTo, "someone@elsewhere.example").replace("<reply-", "<other-"), "Bearer " + TOKEN)
                .statusCode(202);
        // Not an email at all
        post("\n\n\n", "Bearer " + TOKEN).statusCode(400);
        assertThat(TopicReader.all(
                        Infra.kafka().bootstrapServers(),
                        "onramp.conversations",
                        r -> user.equals(r.key()),
                        Duration.ofSeconds(2)))
                .hasSize(1);
    }

    private static ValidatableResponse post(String raw, String authorization) {
        var request = given().contentType("message/rfc822")
                .body(raw.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
        if (authorization != null) {
            request = request.header("Authorization", authorization);
        }
        return request.post("/v1/email/inbound").then();
    }

    private static String basic(String user, String password) {
        return "Basic "
                + java.util.Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
