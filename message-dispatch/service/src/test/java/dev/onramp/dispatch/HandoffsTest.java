package dev.onramp.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Conversations handed to their destinations, each stood in for by WireMock speaking its documented contract: a
 * Zendesk-shaped help desk gets exactly one ticket — with the route's tags, priority, the requester and
 * {@code external_id} — even when its first answer is lost to a timeout, and a follow-up becomes a comment on that
 * ticket; 429 with {@code Retry-After} is waited out; a signed webhook carries a Standard Webhooks signature that
 * verifies; a burst to a Slack webhook goes as fewer messages; a destination that is not configured is given up and
 * parked with why. Each outcome is reported to journey-engine by the delivery-events contract.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = WireMockResource.class, restrictToAnnotatedClass = true)
class HandoffsTest {

    static final String WEBHOOK_SECRET = "whsec_"
            + Base64.getEncoder().encodeToString("a-test-secret-of-32-bytes-length".getBytes(StandardCharsets.UTF_8));
    static final String ZENDESK_SIGNING_SECRET = "dGhlIHNpZ25pbmcgc2VjcmV0IG9mIHRoZSB3ZWJob29r";
    static final String ADA = "{\"email\":\"ada@example.com\",\"firstName\":\"Ada\"}";
    final ObjectMapper json = new ObjectMapper();

    /** The delivery events reporting this hand-off, each checked against the contract. */
    static List<JsonNode> reports(String messageId, int count) {
        return TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.delivery-events",
                        r -> r.value().contains(messageId),
                        count,
                        Duration.ofSeconds(30))
                .stream()
                .map(r -> {
                    Contracts.check(Contracts.DELIVERY_EVENTS, r.value());
                    try {
                        return new ObjectMapper().readTree(r.value());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    static void send(String user, String request) {
        Requests.send(user, request);
    }

    @Test
    void theHelpDeskGetsOneTicketEvenWhenItsFirstAnswerIsLostAndAFollowUpIsACommentOnIt() throws Exception {
        var zendesk = WireMockResource.server;
        String user = "user-" + UUID.randomUUID();
        String conversation = "cv-" + UUID.randomUUID();
        String tickets = "/zendesk/api/v2/tickets";
        // Zendesk accepts the ticket but answers after our 1 s timeout; afterwards it has it under the external id.
        zendesk.stubFor(post(urlEqualTo(tickets))
                .withRequestBody(matchingJsonPath("$.ticket.external_id", equalTo(conversation)))
                .inScenario(conversation)
                .whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("created")
                .willReturn(aResponse()
                        .withStatus(201)
                        .withFixedDelay(3_000)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"ticket\":{\"id\":35436}}")));
        zendesk.stubFor(get(urlPathEqualTo(tickets))
                .withQueryParam("external_id", equalTo(conversation))
                .inScenario(conversation)
                .whenScenarioStateIs("created")
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"tickets\":[{\"id\":35436,\"external_id\":\"" + conversation + "\"}]}")));
        zendesk.stubFor(put(urlEqualTo(tickets + "/35436"))
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"ticket\":{\"id\":35436}}")));

        String first = Requests.newId();
        send(
                user,
                Requests.handoff(first, user, conversation, "zendesk", "helpdesk", true, "I was charged twice", ADA));

        JsonNode report = reports(first, 1).getFirst();
        assertThat(report.get("status").asText()).isEqualTo("delivered");
        assertThat(report.get("ticket").asText()).isEqualTo("35436");
        assertThat(report.get("conversation").asText()).isEqualTo(conversation);
        assertThat(report.get("destination").asText()).isEqualTo("zendesk");
        List<LoggedRequest> creates = zendesk.findAll(postRequestedFor(urlEqualTo(tickets))
                .withRequestBody(matchingJsonPath("$.ticket.external_id", equalTo(conversation))));
        assertThat(creates).hasSize(1);
        JsonNode ticket = json.readTree(creates.getFirst().getBodyAsString()).get("ticket");
        assertThat(creates.getFirst().getHeader("Idempotency-Key")).isEqualTo(first);
        assertThat(creates.getFirst().getHeader("Authorization"))
                .isEqualTo("Basic "
                        + Base64.getEncoder()
                                .encodeToString(
                                        "support@acme.example/token:zd-test-token".getBytes(StandardCharsets.UTF_8)));
        assertThat(ticket.at("/comment/body").asText()).isEqualTo("I was charged twice");
        assertThat(ticket.at("/requester/email").asText()).isEqualTo("ada@example.com");
        assertThat(ticket.at("/requester/name").asText()).isEqualTo("Ada");
        assertThat(ticket.get("tags").toString()).isEqualTo("[\"billing\",\"refund\"]");
        assertThat(ticket.get("priority").asText()).isEqualTo("high");
        assertThat(ticket.get("group_id").asLong()).as("the team's group").isEqualTo(360001L);
        assertThat(ticket.get("subject").asText()).isEqualTo("[invite-teammate] I was charged twice");

        // A follow-up in the same conversation: a public comment on that ticket, no new ticket.
        String second = Requests.newId();
        send(user, Requests.handoff(second, user, conversation, "zendesk", "helpdesk", false, "Any news?", ADA));
        assertThat(reports(second, 1).getFirst().get("ticket").asText()).isEqualTo("35436");
        List<LoggedRequest> comments = zendesk.findAll(putRequestedFor(urlEqualTo(tickets + "/35436")));
        assertThat(comments).hasSize(1);
        assertThat(json.readTree(comments.getFirst().getBodyAsString())
                        .at("/ticket/comment/body")
                        .asText())
                .isEqualTo("Any news?");
        assertThat(zendesk.findAll(postRequestedFor(urlEqualTo(tickets))
                        .withRequestBody(matchingJsonPath("$.ticket.external_id", equalTo(conversation)))))
                .hasSize(1);
    }

    @Test
    void aHelpDeskThatSaysWaitIsWaitedForThenTheTicketIsOpened() throws Exception {
        var zendesk = WireMockResource.server;
        String user = "user-" + UUID.randomUUID();
        String conversation = "cv-" + UUID.randomUUID();
        String tickets = "/zendesk/api/v2/tickets";
        zendesk.stubFor(post(urlEqualTo(tickets))
                .withRequestBody(matchingJsonPath("$.ticket.external_id", equalTo(conversation)))
                .inScenario(conversation)
                .whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("rate limited once")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")));
        zendesk.stubFor(post(urlEqualTo(tickets))
                .withRequestBody(matchingJsonPath("$.ticket.external_id", equalTo(conversation)))
                .inScenario(conversation)
                .whenScenarioStateIs("rate limited once")
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"ticket\":{\"id\":777}}")));
        String id = Requests.newId();
        send(user, Requests.handoff(id, user, conversation, "zendesk", "helpdesk", true, "Hello", ADA));

        assertThat(reports(id, 1).getFirst().get("ticket").asText()).isEqualTo("777");
        List<LoggedRequest> posts = zendesk.findAll(postRequestedFor(urlEqualTo(tickets))
                .withRequestBody(matchingJsonPath("$.ticket.external_id", equalTo(conversation))));
        assertThat(posts).hasSize(2);
        // The second try came no sooner than the help desk asked.
        assertThat(Duration.between(
                        posts.get(0).getLoggedDate().toInstant(),
                        posts.get(1).getLoggedDate().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void aSignedWebhookCarriesAStandardWebhooksSignatureThatVerifies() throws Exception {
        var server = WireMockResource.server;
        server.stubFor(post(urlEqualTo("/hooks/product")).willReturn(aResponse().withStatus(204)));
        String user = "user-" + UUID.randomUUID();
        String conversation = "cv-" + UUID.randomUUID();
        String id = Requests.newId();
        send(
                user,
                Requests.handoff(id, user, conversation, "product-inbox", "webhook", true, "Dark mode, please", ADA));

        assertThat(reports(id, 1).getFirst().get("status").asText()).isEqualTo("delivered");
        LoggedRequest hook = server.findAll(postRequestedFor(urlEqualTo("/hooks/product"))).stream()
                .filter(r -> r.getBodyAsString().contains(conversation))
                .findFirst()
                .orElseThrow();
        String body = hook.getBodyAsString();
        assertThat(hook.getHeader("webhook-id")).isEqualTo(id);
        String expected = "v1,"
                + hmac(
                        Base64.getDecoder().decode(WEBHOOK_SECRET.substring(6)),
                        id + "." + hook.getHeader("webhook-timestamp") + "." + body);
        assertThat(hook.getHeader("webhook-signature")).isEqualTo(expected);
        JsonNode event = json.readTree(body);
        assertThat(event.get("type").asText()).isEqualTo("conversation.opened");
        assertThat(event.get("text").asText()).isEqualTo("Dark mode, please");
        assertThat(event.at("/user/email").asText()).isEqualTo("ada@example.com");
        assertThat(event.get("route").asText()).isEqualTo("billing");
    }

    @Test
    void aBurstToAChatWebhookGoesAsFewerMessagesWithEveryConversationInThem() {
        var server = WireMockResource.server;
        server.stubFor(
                post(urlEqualTo("/slack/T000/B000/XXXX")).willReturn(aResponse().withBody("ok")));
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String user = "burst-" + run + "-" + i;
            String id = Requests.newId();
            ids.add(id);
            send(
                    user,
                    Requests.handoff(
                            id,
                            user,
                            "cv-" + run + "-" + i,
                            "slack-revenue",
                            "chat",
                            true,
                            "refund <@U123> " + run + " #" + i,
                            ADA));
        }
        ids.forEach(id -> reports(id, 1));
        List<String> posts = server.findAll(postRequestedFor(urlEqualTo("/slack/T000/B000/XXXX"))).stream()
                .map(LoggedRequest::getBodyAsString)
                .filter(b -> b.contains(run))
                .toList();
        assertThat(posts.size()).isLessThan(5);
        for (int i = 0; i < 5; i++) {
            String mark = run + " #" + i;
            assertThat(posts).anyMatch(p -> p.contains(mark));
        }
        // What users wrote cannot ping anyone: Slack's markup is escaped.
        assertThat(posts).allMatch(p -> !p.contains("<@U123>") && p.contains("&lt;@U123&gt;"));
    }

    @Test
    void aDestinationThatIsNotConfiguredIsGivenUpAndParkedWithWhy() {
        String user = "user-" + UUID.randomUUID();
        String id = Requests.newId();
        send(user, Requests.handoff(id, user, "cv-" + UUID.randomUUID(), "jira", "webhook", true, "hi", ADA));

        JsonNode report = reports(id, 1).getFirst();
        assertThat(report.get("status").asText()).isEqualTo("failed");
        assertThat(report.get("detail").asText())
                .isEqualTo("destination 'jira' is not configured: set onramp.dispatch.destinations.jira.url");
        var parked = TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.message-requests.dlq",
                r -> r.value().contains(id),
                1,
                Duration.ofSeconds(30));
        assertThat(new String(
                        parked.getFirst()
                                .headers()
                                .lastHeader("onramp-dlq-reason")
                                .value(),
                        StandardCharsets.UTF_8))
                .contains("hand-off to jira failed");
    }

    @Test
    void anAgentsSignedCommentComesBackAsAnAnswerAndAnUnsignedOrStaleOneIsRefused() throws Exception {
        // Given a conversation Onramp opened ticket 4242 for
        var zendesk = WireMockResource.server;
        String user = "user-" + UUID.randomUUID();
        String conversation = "cv-" + UUID.randomUUID();
        zendesk.stubFor(post(urlEqualTo("/zendesk/api/v2/tickets"))
                .withRequestBody(matchingJsonPath("$.ticket.external_id", equalTo(conversation)))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"ticket\":{\"id\":4242}}")));
        String id = Requests.newId();
        send(user, Requests.handoff(id, user, conversation, "zendesk", "helpdesk", true, "Help!", ADA));
        assertThat(reports(id, 1).getFirst().get("ticket").asText()).isEqualTo("4242");
        String comment = """
                {"ticket":{"id":"4242","external_id":"%s"},
                 "author":{"name":"Ann Agent","email":"ann@acme.example"},
                 "comment":{"body":"We refunded you. <b>Sorry!</b>"}}""".formatted(conversation);
        String now = java.time.Instant.now()
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();

        // Unsigned, wrongly signed, stale: refused, nothing posted
        hook(comment, null, null).statusCode(401);
        hook(comment, now, "bm90IHRoZSBzaWduYXR1cmU=").statusCode(401);
        String stale = java.time.Instant.now()
                .minus(Duration.ofMinutes(10))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
        hook(comment, stale, sign(stale, comment)).statusCode(401);

        // When the help desk's trigger calls, signed as Zendesk signs
        hook(comment, now, sign(now, comment))
                .statusCode(200)
                .body("conversation", org.hamcrest.Matchers.equalTo(conversation));

        // Then journey-engine is told, once, by the conversations contract
        var records = TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.conversations",
                r -> user.equals(r.key()),
                1,
                Duration.ofSeconds(30));
        Contracts.check(Contracts.CONVERSATIONS, records.getFirst().value());
        JsonNode answer = json.readTree(records.getFirst().value());
        assertThat(answer.get("kind").asText()).isEqualTo("answer");
        assertThat(answer.get("conversationId").asText()).isEqualTo(conversation);
        assertThat(answer.get("text").asText()).isEqualTo("We refunded you. <b>Sorry!</b>");
        assertThat(answer.at("/author/name").asText()).isEqualTo("Ann Agent");
        assertThat(answer.get("ticket").asText()).isEqualTo("4242");
        assertThat(TopicReader.all(
                        Infra.kafka().bootstrapServers(),
                        "onramp.conversations",
                        r -> user.equals(r.key()),
                        Duration.ofSeconds(1)))
                .hasSize(1);

        // A comment Onramp posted itself (its integration user), and a ticket it never opened: acknowledged, ignored
        String own = comment.replace("ann@acme.example", "support@acme.example");
        hook(own, now, sign(now, own)).statusCode(202);
        String other = comment.replace("\"4242\"", "\"999\"");
        hook(other, now, sign(now, other)).statusCode(202);
    }

    static io.restassured.response.ValidatableResponse hook(String body, String timestamp, String signature) {
        var request = io.restassured.RestAssured.given()
                .contentType("application/json")
                .body(body);
        if (timestamp != null) {
            request.header("X-Zendesk-Webhook-Signature-Timestamp", timestamp);
        }
        if (signature != null) {
            request.header("X-Zendesk-Webhook-Signature", signature);
        }
        return request.post("/hooks/helpdesk/zendesk").then();
    }

    static String sign(String timestamp, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(ZENDESK_SIGNING_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal((timestamp + body).getBytes(StandardCharsets.UTF_8)));
    }

    static String hmac(byte[] key, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
