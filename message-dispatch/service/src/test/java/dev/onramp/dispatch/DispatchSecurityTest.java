package dev.onramp.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.dispatch.inapp.UserHash;
import dev.onramp.infra.Infra;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attacks through what users and events can put into a message — header injection, hostile action URLs, webhook
 * destinations into the private network — against the real SMTP server, a real HTTP receiver, Kafka and PostgreSQL.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = WireMockResource.class, restrictToAnnotatedClass = true)
class DispatchSecurityTest {

    final ObjectMapper json = new ObjectMapper();
    final ChannelsTest events = new ChannelsTest();

    String send(String user, String channel, Map<String, String> traits) {
        String id = Requests.newId();
        ObjectNode t = json.createObjectNode();
        traits.forEach(t::put);
        Requests.send(user, Requests.request(id, user, channel, "[]", "hostile", null, t.toString()));
        return id;
    }

    JsonNode outcome(String user, String id) {
        return events.eventsOf(
                        user,
                        1,
                        e -> id.equals(e.path("messageId").asText())
                                && !e.path("status").asText().equals("sent"))
                .getFirst();
    }

    @Test
    void lineBreaksInTraitsNeverReachAMailHeader() {
        // Given traits that try to end the subject, the From name and the Reply-To, and add headers and recipients
        String user = ChannelsTest.newUser();
        String address = user + "@example.com";
        String victim = "victim-" + user + "@example.com";
        String id = send(
                user,
                "email",
                Map.of(
                        "email",
                        address,
                        "firstName",
                        "Ada\r\nBcc: " + victim + "\r\nX-Injected: subject",
                        "teammate",
                        "Sam\" <evil@example.com>\nX-Injected: from",
                        "replyTo",
                        "help@example.com"));
        // and a Reply-To that is an address followed by a header
        String user2 = ChannelsTest.newUser();
        String hostileReplyTo = send(
                user2,
                "email",
                Map.of(
                        "email",
                        user2 + "@example.com",
                        "firstName",
                        "Bo",
                        "teammate",
                        "Sam",
                        "replyTo",
                        "help@example.com\r\nBcc: " + victim + "\n"));

        // When the email arrives at the SMTP server
        JsonNode sent = events.eventsOf(
                        user, 1, e -> id.equals(e.path("messageId").asText()))
                .getFirst();
        assertThat(sent.path("status").asText()).as(sent.toString()).isEqualTo("sent");
        ReceivedMail mail = await().atMost(Duration.ofSeconds(30))
                .until(() -> Infra.smtp().mailsTo(address), m -> !m.isEmpty())
                .getFirst();

        // Then every value stayed inside its own header, on one line, and nobody else got it
        assertThat(mail.headers()).doesNotContainKeys("x-injected", "bcc");
        assertThat(mail.subject()).isEqualTo("Hello Ada Bcc: " + victim + " X-Injected: subject");
        assertThat(mail.from()).isEqualTo("onboarding@onramp.localhost");
        assertThat(mail.header("From")).contains("Sam").doesNotContain("evil@example.com>");
        assertThat(mail.header("Reply-To")).isEqualTo("help@example.com");
        assertThat(mail.to()).containsExactly(address);
        JsonNode refused = outcome(user2, hostileReplyTo);
        assertThat(refused.path("status").asText()).isEqualTo("failed");
        assertThat(refused.path("detail").asText()).contains("is not an email address");
        assertThat(Infra.smtp().mailsTo(user2 + "@example.com")).isEmpty();
        assertThat(Infra.smtp().mailsTo(victim)).isEmpty();
        assertThat(Infra.smtp().allMails().stream().filter(m -> m.to().contains("evil@example.com")))
                .isEmpty();
    }

    @Test
    void anInAppActionThatLeavesTheSiteOrRunsScriptIsNeverStored() throws Exception {
        String user = ChannelsTest.newUser();
        String hash = UserHash.of("test-inbox-secret", user);
        List<String> hostile = List.of(
                "/\\evil.example/phish",
                "//evil.example/phish",
                "javascript:alert(document.cookie)",
                "data:text/html,x");
        for (String url : hostile) {
            String id = send(user, "in_app", Map.of("website", url));
            JsonNode failed = outcome(user, id);
            assertThat(failed.path("status").asText()).as(url).isEqualTo("failed");
            assertThat(failed.path("detail").asText()).as(url).contains("action url");
        }
        String good = send(user, "in_app", Map.of("website", "/channels/new"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode inbox = json.readTree(given().header("X-Onramp-User-Hash", hash)
                    .get("/v1/inbox/{user}/messages", user)
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString());
            assertThat(inbox.path("messages")).hasSize(1);
            assertThat(inbox.path("messages").get(0).path("id").asText()).isEqualTo(good);
            assertThat(inbox.path("messages").get(0).path("action").path("url").asText())
                    .isEqualTo("/channels/new");
        });
    }

    @Test
    void aWebhookGoesOnlyToAllowedHostsOnAllowedNetworks() {
        int port = WireMockResource.server.port();
        String user = ChannelsTest.newUser();
        // A host nobody allowed (the receiver is there: only the allow-list stops it).
        String notAllowed =
                send(user, "webhook", Map.of("hook", "http://localhost:" + port + "/hooks/" + user, "firstName", "a"));
        // An allowed host whose address is loopback, a network nobody allowed.
        String privateAddress =
                send(user, "webhook", Map.of("hook", "http://127.0.0.2:" + port + "/hooks/" + user, "firstName", "a"));
        // The cloud metadata service.
        String metadata = send(
                user, "webhook", Map.of("hook", "http://169.254.169.254/latest/meta-data/" + user, "firstName", "a"));
        // A user name in the URL, hiding the real host.
        String credentials = send(
                user, "webhook", Map.of("hook", "http://127.0.0.1@localhost:" + port + "/" + user, "firstName", "a"));

        assertThat(outcome(user, notAllowed).path("detail").asText()).contains("'localhost' is not in");
        assertThat(outcome(user, privateAddress).path("detail").asText())
                .contains("'127.0.0.2' resolves to a private, loopback or link-local address");
        assertThat(outcome(user, metadata).path("detail").asText()).contains("'169.254.169.254' is not in");
        assertThat(outcome(user, credentials).path("detail").asText()).contains("user name or password");
        for (String id : List.of(notAllowed, privateAddress, metadata, credentials)) {
            assertThat(outcome(user, id).path("status").asText()).isEqualTo("failed");
        }
        assertThat(WireMockResource.server.findAll(anyRequestedFor(urlPathEqualTo("/hooks/" + user))))
                .isEmpty();
    }

    @Test
    void whatAFailedWebhookSaysNeverCarriesTheAnswerNorTheUrlsSecrets() {
        // Given a receiver that answers 403 with something internal in the body
        String user = ChannelsTest.newUser();
        WireMockResource.server.stubFor(post(urlPathEqualTo("/hooks/secret-" + user))
                .willReturn(aResponse().withStatus(403).withBody("internal: db=10.0.0.5 password=hunter2")));

        // When a webhook goes there with a token in its query
        String id = send(
                user,
                "webhook",
                Map.of(
                        "hook",
                        "http://127.0.0.1:" + WireMockResource.server.port() + "/hooks/secret-" + user
                                + "?token=tok_live_abc",
                        "firstName",
                        "Ada\", \"admin\": true, \"x\": \""));

        // Then the receiver got valid JSON with the trait escaped, and the outcome names only the host and the status
        JsonNode failed = outcome(user, id);
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("detail").asText())
                .contains("the webhook at 127.0.0.1 answered 403")
                .doesNotContain("hunter2", "10.0.0.5", "tok_live_abc", "/hooks/");
        var received = WireMockResource.server.findAll(
                postRequestedFor(urlPathEqualTo("/hooks/secret-" + user)).withRequestBody(containing("Help")));
        assertThat(received).hasSize(1);
        assertThat(received.getFirst().getBodyAsString())
                .isEqualTo("{\"subject\": \"Help Ada\\\", \\\"admin\\\": true, \\\"x\\\": \\\"\"}");
    }

    @Test
    void aUserCannotHoldMoreLiveStreamsThanTheCap() throws Exception {
        // Given the cap of the test profile, two streams per user, both open
        String user = ChannelsTest.newUser();
        String url = "http://localhost:" + io.restassured.RestAssured.port + "/v1/inbox/" + user + "/stream?userHash="
                + UserHash.of("test-inbox-secret", user);
        var client = java.net.http.HttpClient.newHttpClient();
        var request =
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build();
        List<java.net.http.HttpResponse<java.io.InputStream>> open = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            open.add(client.send(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream()));
            assertThat(open.getLast().statusCode()).isEqualTo(200);
        }

        // When a third is opened, it is refused with a problem document
        var third = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(third.body()).contains("too-many-streams");

        // and once one closes, its place is given back
        open.removeFirst().body().close();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var again = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            if (again.statusCode() == 200) {
                open.add(again);
                return true;
            }
            again.body().close();
            return false;
        });
        for (var response : open) {
            response.body().close();
        }
        client.shutdownNow();
    }
}
