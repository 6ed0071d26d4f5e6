package dev.onramp.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.onramp.dispatch.inapp.UserHash;
import dev.onramp.dispatch.preferences.Preferences;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Email unsubscribe and preferences, SMS through a Twilio-compatible API, webhooks, the preview API and the live inbox
 * stream, each against real servers: GreenMail for SMTP, WireMock recording what the SMS API and the webhook receiver
 * are sent, PostgreSQL and Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = WireMockResource.class, restrictToAnnotatedClass = true)
class ChannelsTest {

    @Inject
    Preferences preferences;

    static final String PUBLIC_URL = "http://localhost:8083";
    static final String TWILIO_TOKEN = "test-auth-token";
    static final String SMS_API = "/2010-04-01/Accounts/AC-test/Messages.json";
    final ObjectMapper json = new ObjectMapper();

    static String newUser() {
        return "user-" + java.util.UUID.randomUUID();
    }

    static String newPhone() {
        return "+1415" + (1_000_000 + ThreadLocalRandom.current().nextInt(8_999_999));
    }

    /** Delivery events about this user, read until {@code count} match. */
    List<JsonNode> eventsOf(String user, int count, java.util.function.Predicate<JsonNode> which) {
        return TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.delivery-events",
                        r -> r.value().contains(user) && which.test(read(r.value())),
                        count,
                        Duration.ofSeconds(30))
                .stream()
                .map(ConsumerRecord::value)
                .map(this::read)
                .toList();
    }

    JsonNode read(String value) {
        try {
            return json.readTree(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String path(String url) {
        return URI.create(url).getRawPath();
    }

    // --- email: one-click unsubscribe and the preference page -------------------------------------------------

    @Test
    void aSecurityNoticePassesAnUnsubscribeButNeverASuppression() {
        String user = newUser();
        String address = user + "@example.com";
        String traits = "{\"email\":\"" + address + "\"}";
        QuarkusTransaction.requiringNew().run(() -> preferences.unsubscribe(user, "*", "*", Instant.now()));

        // Unsubscribed from everything: a product message is not emailed, a security notice is.
        String product = Requests.newId();
        Requests.send(
                user,
                Requests.inCategory(
                        Requests.request(product, user, "email", "[]", "welcome", null, traits), "product"));
        String security = Requests.newId();
        Requests.send(
                user,
                Requests.inCategory(
                        Requests.request(security, user, "email", "[]", "welcome", null, traits), "security"));
        JsonNode held = eventsOf(
                        user, 1, e -> product.equals(e.path("messageId").asText()))
                .getFirst();
        assertThat(held.path("status").asText()).isEqualTo("suppressed");
        assertThat(held.path("cause").asText()).isEqualTo("unsubscribed");
        assertThat(eventsOf(user, 1, e -> security.equals(e.path("messageId").asText()))
                        .getFirst()
                        .path("status")
                        .asText())
                .isEqualTo("sent");
        assertThat(Infra.smtp().mailsTo(address)).hasSize(1);

        // An address that bounced hard is never written to again, security or not.
        QuarkusTransaction.requiringNew()
                .run(() -> preferences.suppress("email", address, "550 no such user", Instant.now()));
        String again = Requests.newId();
        Requests.send(
                user,
                Requests.inCategory(Requests.request(again, user, "email", "[]", "welcome", null, traits), "security"));
        JsonNode refused = eventsOf(
                        user, 1, e -> again.equals(e.path("messageId").asText()))
                .getFirst();
        assertThat(refused.path("status").asText()).isEqualTo("suppressed");
        assertThat(refused.path("detail").asText()).contains("550 no such user");
        assertThat(refused.path("cause").asText()).isEqualTo("address");
        assertThat(Infra.smtp().mailsTo(address)).hasSize(1);
    }

    @Test
    void oneClickUnsubscribeStopsTheJourneysEmailsAndThePreferencePageTurnsThemBackOn() {
        String user = newUser();
        String address = user + "@example.com";
        String traits = "{\"email\":\"" + address + "\"}";
        Requests.send(user, Requests.request(Requests.newId(), user, "email", "[\"in_app\"]", "welcome", null, traits));
        ReceivedMail mail = await().atMost(Duration.ofSeconds(30))
                .until(() -> Infra.smtp().mailsTo(address), mails -> !mails.isEmpty())
                .getFirst();

        // RFC 8058: an https-or-http URL in List-Unsubscribe, and the one-click marker.
        assertThat(mail.header("List-Unsubscribe-Post")).isEqualTo("List-Unsubscribe=One-Click");
        Matcher link = Pattern.compile("<(http[^>]+/v1/unsubscribe/[^>]+)>").matcher(mail.header("List-Unsubscribe"));
        assertThat(link.find())
                .as("List-Unsubscribe: %s", mail.header("List-Unsubscribe"))
                .isTrue();
        String unsubscribe = link.group(1);
        assertThat(unsubscribe).startsWith(PUBLIC_URL);

        // What a mail client sends on one click: a form POST with no cookies and no page.
        given().contentType("application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .post(path(unsubscribe))
                .then()
                .statusCode(200)
                .body(containsString("no more messages of onboarding by email"));
        JsonNode unsubscribed = eventsOf(
                        user, 1, e -> "unsubscribed".equals(e.path("status").asText()))
                .getFirst();
        assertThat(unsubscribed.path("channel").asText()).isEqualTo("email");
        assertThat(unsubscribed.path("journey").asText()).isEqualTo("onboarding");

        // The journey's next email is not sent; the message falls back to the inbox.
        String second = Requests.newId();
        Requests.send(user, Requests.request(second, user, "email", "[\"in_app\"]", "welcome", null, traits));
        List<JsonNode> events =
                eventsOf(user, 2, e -> second.equals(e.path("messageId").asText()));
        assertThat(events)
                .extracting(
                        e -> e.path("channel").asText() + ":" + e.path("status").asText())
                .containsExactly("email:suppressed", "in_app:delivered");
        assertThat(Infra.smtp().mailsTo(address)).hasSize(1);

        // The preference page, from the link on the unsubscribe page, shows email for onboarding unticked.
        String page =
                given().get(path(unsubscribe)).then().statusCode(200).extract().asString();
        Matcher prefs =
                Pattern.compile("href=\"(http[^\"]+/v1/preferences/[^\"]+)\"").matcher(page);
        assertThat(prefs.find()).isTrue();
        String preferences = prefs.group(1).replace("&amp;", "&");
        String form =
                given().get(path(preferences)).then().statusCode(200).extract().asString();
        assertThat(form)
                .contains("name=\"on:onboarding|email\"")
                .doesNotContain("name=\"on:onboarding|email\" checked")
                .contains("name=\"on:onboarding|in_app\" checked");

        // Ticking it again turns the journey's email back on.
        given().contentType("application/x-www-form-urlencoded")
                .formParam("shown", "onboarding|email")
                .formParam("on:onboarding|email", "on")
                .post(path(preferences))
                .then()
                .statusCode(200)
                .body(containsString("Saved"));
        eventsOf(user, 1, e -> "subscribed".equals(e.path("status").asText()));
        String third = Requests.newId();
        Requests.send(user, Requests.request(third, user, "email", "[]", "welcome", null, traits));
        await().atMost(Duration.ofSeconds(30)).until(() -> Infra.smtp().mailsTo(address), m -> m.size() == 2);
    }

    @Test
    void aNewslettersUnsubscribeStopsTheMarketingAndNotTheOnboarding() {
        String user = newUser();
        String address = user + "@example.com";
        String traits = "{\"email\":\"" + address + "\"}";
        String news = Requests.newId();
        Requests.send(
                user,
                Requests.ofBroadcast(
                        Requests.inCategory(
                                Requests.request(news, user, "email", "[]", "welcome", null, traits), "marketing"),
                        "b-newsletter"));
        ReceivedMail mail = await().atMost(Duration.ofSeconds(30))
                .until(() -> Infra.smtp().mailsTo(address), mails -> !mails.isEmpty())
                .getFirst();
        Matcher link = Pattern.compile("<(http[^>]+/v1/unsubscribe/[^>]+)>").matcher(mail.header("List-Unsubscribe"));
        assertThat(link.find()).isTrue();
        String unsubscribe = link.group(1);
        assertThat(given().get(path(unsubscribe))
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString())
                .contains("Stop receiving marketing messages (news, offers) by email?");

        // One click: no more marketing by email, and the engine is told which category.
        given().contentType("application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .post(path(unsubscribe))
                .then()
                .statusCode(200)
                .body(containsString("no more marketing messages (news, offers) by email"));
        JsonNode unsubscribed = eventsOf(
                        user, 1, e -> "unsubscribed".equals(e.path("status").asText()))
                .getFirst();
        Contracts.check(Contracts.DELIVERY_EVENTS, unsubscribed.toString());
        assertThat(unsubscribed.path("scope").asText()).isEqualTo("category");
        assertThat(unsubscribed.path("category").asText()).isEqualTo("marketing");
        assertThat(unsubscribed.path("journey").isNull()).isTrue();

        // The next newsletter is held back; the onboarding email still goes.
        String next = Requests.newId();
        Requests.send(
                user,
                Requests.ofBroadcast(
                        Requests.inCategory(
                                Requests.request(next, user, "email", "[]", "welcome", null, traits), "marketing"),
                        "b-newsletter-2"));
        JsonNode held = eventsOf(user, 1, e -> next.equals(e.path("messageId").asText()))
                .getFirst();
        assertThat(held.path("status").asText()).isEqualTo("suppressed");
        assertThat(held.path("detail").asText()).contains("unsubscribed from marketing messages by email");
        String onboarding = Requests.newId();
        Requests.send(user, Requests.request(onboarding, user, "email", "[]", "welcome", null, traits));
        await().atMost(Duration.ofSeconds(30)).until(() -> Infra.smtp().mailsTo(address), m -> m.size() == 2);

        // The preference page has a row per category: marketing unticked, product still on.
        String page =
                given().get(path(unsubscribe)).then().statusCode(200).extract().asString();
        Matcher prefs =
                Pattern.compile("href=\"(http[^\"]+/v1/preferences/[^\"]+)\"").matcher(page);
        assertThat(prefs.find()).isTrue();
        String form = given().get(path(prefs.group(1).replace("&amp;", "&")))
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(form)
                .contains("<th>Marketing messages (news, offers)</th>")
                .contains("name=\"on:category:marketing|email\">")
                .contains("name=\"on:category:product|email\" checked")
                .doesNotContain("<th>category:");
    }

    @Test
    void aLinkThatWasTamperedWithChangesNothing() {
        String user = newUser();
        String token = new String(Base64.getUrlEncoder()
                        .withoutPadding()
                        .encode(("{\"u\":\"" + user + "\",\"j\":\"\",\"c\":\"email\"}").getBytes()))
                + ".c2lnbmF0dXJl";
        given().contentType("application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .post("/v1/unsubscribe/" + token)
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().get("/v1/preferences/not-a-token").then().statusCode(404).contentType("application/problem+json");
    }

    // --- SMS -----------------------------------------------------------------------------------------------------

    @Test
    void sendsSmsThroughTheProviderApiAndFollowsItsStatusCallbacks() {
        String user = newUser();
        String phone = newPhone();
        String sid = "SM" + HexFormat.of().formatHex(new byte[16]).substring(0, 20) + phone.substring(1);
        WireMockResource.server.stubFor(post(urlPathEqualTo(SMS_API))
                .withRequestBody(containing("To=" + encode(phone)))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"sid\":\"" + sid + "\",\"status\":\"queued\"}")));
        String id = Requests.newId();
        Requests.send(
                user,
                Requests.request(
                        id, user, "sms", "[]", "welcome", null, "{\"phone\":\"" + phone + "\",\"firstName\":\"Ada\"}"));

        assertThat(eventsOf(user, 1, e -> id.equals(e.path("messageId").asText()))
                        .getFirst()
                        .path("status")
                        .asText())
                .isEqualTo("sent");
        LoggedRequest sent = smsTo(phone).getFirst();
        Map<String, String> form = form(sent.getBodyAsString());
        assertThat(form)
                .containsEntry("To", phone)
                .containsEntry("From", "+15005550006")
                .containsEntry("Body", "Hi Ada, your workspace is ready: http://localhost:3000/invite")
                .containsEntry("StatusCallback", PUBLIC_URL + "/v1/sms/status");
        assertThat(sent.getHeader("Authorization"))
                .isEqualTo("Basic "
                        + Base64.getEncoder()
                                .encodeToString(("AC-test:" + TWILIO_TOKEN).getBytes(StandardCharsets.UTF_8)));

        // The provider calls back as the message moves; only final states become delivery events.
        Map<String, String> queued = Map.of("MessageSid", sid, "MessageStatus", "sent", "To", phone);
        twilioPost("/v1/sms/status", queued).then().statusCode(204);
        Map<String, String> delivered = Map.of("MessageSid", sid, "MessageStatus", "delivered", "To", phone);
        twilioPost("/v1/sms/status", delivered).then().statusCode(204);
        List<JsonNode> events =
                eventsOf(user, 2, e -> id.equals(e.path("messageId").asText()));
        assertThat(events).extracting(e -> e.path("status").asText()).containsExactly("sent", "delivered");
    }

    @Test
    void anSmsReplyThatIsNotStopOrStartJoinsTheConversationOfTheLatestSms() throws Exception {
        String user = newUser();
        String phone = newPhone();
        WireMockResource.server.stubFor(post(urlPathEqualTo(SMS_API))
                .withRequestBody(containing("To=" + encode(phone)))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"sid\":\"SM-" + phone.substring(1) + "\"}")));
        String sent = Requests.newId();
        Requests.send(
                user, Requests.request(sent, user, "sms", "[]", "welcome", null, "{\"phone\":\"" + phone + "\"}"));
        eventsOf(user, 1, e -> sent.equals(e.path("messageId").asText()));

        // Twilio calls twice with the same message (a retry): the same reply
        Map<String, String> reply = Map.of(
                "From",
                phone,
                "To",
                "+15005550006",
                "Body",
                "The app crashes when I upload",
                "MessageSid",
                "SMin" + user);
        twilioPost("/v1/sms/inbound", reply).then().statusCode(200).body(containsString("<Response/>"));
        twilioPost("/v1/sms/inbound", reply).then().statusCode(200);

        var records = dev.onramp.infra.TopicReader.await(
                Infra.kafka().bootstrapServers(),
                "onramp.conversations",
                r -> user.equals(r.key()),
                1,
                Duration.ofSeconds(30));
        Contracts.check(Contracts.CONVERSATIONS, records.getFirst().value());
        JsonNode first = json.readTree(records.get(0).value());
        assertThat(first.get("channel").asText()).isEqualTo("sms");
        assertThat(first.get("kind").asText()).isEqualTo("reply");
        assertThat(first.get("messageId").asText()).isEqualTo(sent);
        assertThat(first.get("step").asText()).isEqualTo("welcome");
        assertThat(first.get("text").asText()).isEqualTo("The app crashes when I upload");
        assertThat(dev.onramp.infra.TopicReader.all(
                        Infra.kafka().bootstrapServers(),
                        "onramp.conversations",
                        r -> user.equals(r.key()),
                        Duration.ofSeconds(2)))
                .as("Twilio's retry is taken once")
                .hasSize(1);
        // Not an opt-out: the number still gets SMS.
        String again = Requests.newId();
        Requests.send(
                user, Requests.request(again, user, "sms", "[]", "welcome", null, "{\"phone\":\"" + phone + "\"}"));
        assertThat(eventsOf(user, 1, e -> again.equals(e.path("messageId").asText()))
                        .getFirst()
                        .path("status")
                        .asText())
                .isEqualTo("sent");
    }

    @Test
    void aNumberThatRepliesStopGetsNoMoreSms() {
        String user = newUser();
        String phone = newPhone();
        WireMockResource.server.stubFor(post(urlPathEqualTo(SMS_API))
                .withRequestBody(containing("To=" + encode(phone)))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"sid\":\"SM-" + phone.substring(1) + "\"}")));
        String traits = "{\"phone\":\"" + phone + "\"}";
        String first = Requests.newId();
        Requests.send(user, Requests.request(first, user, "sms", "[]", "welcome", null, traits));
        eventsOf(user, 1, e -> first.equals(e.path("messageId").asText()));

        twilioPost("/v1/sms/inbound", Map.of("From", phone, "To", "+15005550006", "Body", " stop "))
                .then()
                .statusCode(200)
                .contentType(containsString("xml"))
                .body(containsString("<Response/>"));
        JsonNode optOut = eventsOf(
                        user, 1, e -> "unsubscribed".equals(e.path("status").asText()))
                .getFirst();
        assertThat(optOut.path("channel").asText()).isEqualTo("sms");

        String second = Requests.newId();
        Requests.send(user, Requests.request(second, user, "sms", "[\"in_app\"]", "welcome", null, traits));
        assertThat(eventsOf(user, 2, e -> second.equals(e.path("messageId").asText())))
                .extracting(
                        e -> e.path("channel").asText() + ":" + e.path("status").asText())
                .containsExactly("sms:suppressed", "in_app:delivered");
        assertThat(smsTo(phone)).hasSize(1);

        // START undoes it.
        twilioPost("/v1/sms/inbound", Map.of("From", phone, "To", "+15005550006", "Body", "START"))
                .then()
                .statusCode(200);
        eventsOf(user, 1, e -> "subscribed".equals(e.path("status").asText()));
        String third = Requests.newId();
        Requests.send(user, Requests.request(third, user, "sms", "[]", "welcome", null, traits));
        eventsOf(
                user,
                1,
                e -> third.equals(e.path("messageId").asText())
                        && "sent".equals(e.path("status").asText()));
        assertThat(smsTo(phone)).hasSize(2);
    }

    @Test
    void aPhoneNumberThatIsNotE164IsNeverSentAndFallsBack() {
        String user = newUser();
        String id = Requests.newId();
        Requests.send(
                user,
                Requests.request(id, user, "sms", "[\"in_app\"]", "welcome", null, "{\"phone\":\"06 12 34 56 78\"}"));
        JsonNode delivered =
                eventsOf(user, 1, e -> id.equals(e.path("messageId").asText())).getFirst();
        assertThat(delivered.path("channel").asText()).isEqualTo("in_app");
        assertThat(delivered.path("status").asText()).isEqualTo("delivered");
        assertThat(delivered.path("detail").asText()).contains("is not an E.164 phone number");
        assertThat(smsTo("06 12 34 56 78")).isEmpty();
    }

    @Test
    void providerCallbacksWithoutAValidSignatureAreRefused() {
        given().contentType("application/x-www-form-urlencoded")
                .formParam("From", "+14155550100")
                .formParam("Body", "STOP")
                .post("/v1/sms/inbound")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("title", equalTo("Wrong or missing signature"));
        given().contentType("application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", twilioSignature(PUBLIC_URL + "/v1/sms/status", Map.of("a", "b")))
                .formParam("MessageSid", "SM1")
                .formParam("MessageStatus", "delivered")
                .post("/v1/sms/status")
                .then()
                .statusCode(403);
    }

    // --- webhook -------------------------------------------------------------------------------------------------

    @Test
    void webhooksAreSignedAndRetriedUntilTheReceiverTakesThem() throws Exception {
        String user = newUser();
        String scenario = "flaky-" + user;
        WireMockResource.server.stubFor(post(urlPathEqualTo("/hooks/onramp"))
                .withRequestBody(containing(user))
                .inScenario(scenario)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("recovered"));
        WireMockResource.server.stubFor(post(urlPathEqualTo("/hooks/onramp"))
                .withRequestBody(containing(user))
                .inScenario(scenario)
                .whenScenarioStateIs("recovered")
                .willReturn(aResponse().withStatus(202)));
        String id = Requests.newId();
        Requests.send(user, Requests.request(id, user, "webhook", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"));

        JsonNode event =
                eventsOf(user, 1, e -> id.equals(e.path("messageId").asText())).getFirst();
        assertThat(event.path("status").asText()).isEqualTo("delivered");
        assertThat(event.path("channel").asText()).isEqualTo("webhook");

        List<LoggedRequest> posts = WireMockResource.server.findAll(
                postRequestedFor(urlPathEqualTo("/hooks/onramp")).withRequestBody(containing(user)));
        assertThat(posts).as("a 503, then the retry it was given").hasSize(2);
        for (LoggedRequest post : posts) {
            String body = post.getBodyAsString();
            assertThat(json.readTree(body).path("user").asText()).isEqualTo(user);
            assertThat(json.readTree(body).path("name").asText()).isEqualTo("Ada");
            assertThat(post.getHeader("X-Onramp-Message-Id")).isEqualTo(id);
            String timestamp = post.getHeader("X-Onramp-Timestamp");
            assertThat(Long.parseLong(timestamp))
                    .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
            assertThat(post.getHeader("X-Onramp-Signature"))
                    .isEqualTo("v1=" + hmacHex("HmacSHA256", "test-webhook-secret", timestamp + "." + body));
        }
    }

    // --- preview API ---------------------------------------------------------------------------------------------

    @Test
    void aTestSendGoesToTheTypedAddressMarkedAsATestAndNowhereElse() throws Exception {
        String address = "operator-" + java.util.UUID.randomUUID() + "@example.com";
        String request = """
                {"channel":"email","locale":"fr-CA","user":{"id":"u1","traits":{"firstName":"Zoé"}},"to":"%s"}""".formatted(address);
        given().contentType("application/json")
                .body(request)
                .post("/v1/templates/welcome/test-send")
                .then()
                .statusCode(401);
        String messageId = testSend(request)
                .statusCode(200)
                .body("outcome", equalTo("sent"))
                .body("subject", equalTo("[Test] Bienvenue Zoé"))
                .extract()
                .path("messageId");
        assertThat(messageId).startsWith("test-");
        // It arrives at once (sent synchronously), marked as a test
        List<ReceivedMail> mails = Infra.smtp().mailsTo(address);
        assertThat(mails).hasSize(1);
        assertThat(mails.getFirst().subject()).isEqualTo("[Test] Bienvenue Zoé");
        assertThat(mails.getFirst().header("X-Onramp-Test")).isEqualTo("true");
        // and leaves no trace in the ledger, so no delivery event and no funnel ever counts it
        try (var c = RetentionTest.connect();
                var ps = c.prepareStatement("SELECT count(*) FROM dispatch.deliveries WHERE message_id = ?")) {
            ps.setString(1, messageId);
            try (var rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
            }
        }

        // An SMS test send is marked in its text
        String phone = newPhone();
        WireMockResource.server.stubFor(post(urlPathEqualTo(SMS_API))
                .withRequestBody(containing("To=" + encode(phone)))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"sid\":\"SMtest\",\"status\":\"queued\"}")));
        testSend("""
                        {"channel":"sms","user":{"traits":{"firstName":"Ada"}},"to":"%s"}""".formatted(phone)).statusCode(200);
        assertThat(form(smsTo(phone).getFirst().getBodyAsString()).get("Body")).startsWith("[Test] Hi Ada");

        // A destination that is not one, or a channel with no address, is refused naming what is wrong
        testSend("{\"channel\":\"email\",\"to\":\"not an address\"}")
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("to:"));
        testSend("{\"channel\":\"sms\",\"to\":\"0415 555\"}").statusCode(400).body("detail", containsString("E.164"));
        testSend("{\"channel\":\"in_app\",\"to\":\"x@example.com\"}")
                .statusCode(400)
                .body("detail", containsString("channel:"));
    }

    private static io.restassured.response.ValidatableResponse testSend(String body) {
        return given().contentType("application/json")
                .header("Authorization", "Bearer test-admin-token")
                .body(body)
                .post("/v1/templates/welcome/test-send")
                .then();
    }

    @Test
    void previewsATemplateForAUserWithTheAdminToken() {
        String request = """
                {"channel":"email","locale":"fr-CA","user":{"id":"u1","traits":{"firstName":"Zoé"}}}""";
        given().contentType("application/json")
                .body(request)
                .post("/v1/templates/welcome/preview")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
        given().contentType("application/json")
                .header("Authorization", "Bearer test-admin-token")
                .body(request)
                .post("/v1/templates/welcome/preview")
                .then()
                .statusCode(200)
                .body("locale", equalTo("fr"))
                .body("headers.subject", equalTo("Bienvenue Zoé"));
        given().contentType("application/json")
                .header("Authorization", "Bearer test-admin-token")
                .body("{\"channel\":\"email\",\"user\":{\"traits\":{}}}")
                .post("/v1/templates/needs-company/preview")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("detail", containsString("company"));
        given().contentType("application/json")
                .header("Authorization", "Bearer test-admin-token")
                .body("{\"channel\":\"fax\"}")
                .post("/v1/templates/welcome/preview")
                .then()
                .statusCode(400)
                .body("detail", containsString("fax"));
        given().contentType("application/json")
                .header("Authorization", "Bearer test-admin-token")
                .body("{\"channel\":\"sms\"}")
                .post("/v1/templates/needs-company/preview")
                .then()
                .statusCode(404);
    }

    // --- in-app: the live stream ---------------------------------------------------------------------------------

    @Test
    void theInboxStreamSendsTheInboxWhenItOpensAndAgainWhenAMessageArrives() throws Exception {
        String user = newUser();
        String hash = UserHash.of("test-inbox-secret", user);
        given().get("/v1/inbox/{user}/stream?userHash=wrong", user).then().statusCode(403);

        BlockingQueue<String> data = new LinkedBlockingQueue<>();
        HttpClient client = HttpClient.newHttpClient();
        var response = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/inbox/" + user
                                + "/stream?userHash=" + hash))
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        HttpResponse<java.util.stream.Stream<String>> stream = response.get(30, TimeUnit.SECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                stream.body()
                        .filter(line -> line.startsWith("data:"))
                        .forEach(line -> data.add(line.substring(5).trim()));
            } catch (java.io.UncheckedIOException closedAtTheEnd) {
                // The test closes the stream when it is done.
            }
        });
        try {
            JsonNode opened = json.readTree(data.poll(30, TimeUnit.SECONDS));
            assertThat(opened.path("unread").asInt()).isZero();

            String id = Requests.newId();
            Requests.send(user, Requests.request(id, user, "in_app", "[]", "welcome", null, "{}"));
            String next = data.poll(30, TimeUnit.SECONDS);
            assertThat(next).as("an inbox event after the message was stored").isNotNull();
            JsonNode changed = json.readTree(next);
            assertThat(changed.path("unread").asInt()).isEqualTo(1);
            assertThat(changed.path("messages").get(0).path("id").asText()).isEqualTo(id);

            given().header("X-Onramp-User-Hash", hash)
                    .post("/v1/inbox/{user}/messages/{id}/read", user, id)
                    .then()
                    .statusCode(204);
            JsonNode read = json.readTree(data.poll(30, TimeUnit.SECONDS));
            assertThat(read.path("unread").asInt()).isZero();
            // Told once per change: on commit here, and the NOTIFY this instance sent is not sent again.
            assertThat(data.poll(1, TimeUnit.SECONDS))
                    .as("a second event for the same change")
                    .isNull();

            // A message stored by another instance reaches this stream by NOTIFY, in both payload forms: the
            // <instance>:<user> of this version and the bare user id of the one before.
            for (String payload : List.of(UUID.randomUUID() + ":" + user, user)) {
                String other = Requests.newId();
                try (var c = java.sql.DriverManager.getConnection(
                                Infra.postgres().jdbcUrl(),
                                Infra.postgres().username(),
                                Infra.postgres().password());
                        var insert = c.prepareStatement("INSERT INTO dispatch.inbox_messages (message_id, user_id,"
                                + " journey, step, title, body, created_at) VALUES (?, ?, 'onboarding', 'welcome',"
                                + " 'From elsewhere', 'Hello', now())");
                        var notify = c.prepareStatement("SELECT pg_notify('onramp_inbox', ?)")) {
                    insert.setString(1, other);
                    insert.setString(2, user);
                    insert.executeUpdate();
                    notify.setString(1, payload);
                    notify.executeQuery().close();
                }
                JsonNode elsewhere = json.readTree(data.poll(30, TimeUnit.SECONDS));
                assertThat(elsewhere.path("messages").get(0).path("id").asText())
                        .as("stored elsewhere, told by " + payload)
                        .isEqualTo(other);
            }
        } finally {
            reader.interrupt();
            response.cancel(true);
            client.shutdownNow();
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    static List<LoggedRequest> smsTo(String phone) {
        return WireMockResource.server.findAll(
                postRequestedFor(urlPathEqualTo(SMS_API)).withRequestBody(containing("To=" + encode(phone))));
    }

    static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static Map<String, String> form(String body) {
        Map<String, String> form = new TreeMap<>();
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(
                    URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return form;
    }

    /** A form POST signed the way Twilio signs its callbacks to the configured public URL. */
    static io.restassured.response.Response twilioPost(String path, Map<String, String> params) {
        var request = given().contentType("application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", twilioSignature(PUBLIC_URL + path, params));
        params.forEach(request::formParam);
        return request.post(path);
    }

    static String twilioSignature(String url, Map<String, String> params) {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(params).forEach((k, v) -> data.append(k).append(v));
        return Base64.getEncoder().encodeToString(hmac("HmacSHA1", TWILIO_TOKEN, data.toString()));
    }

    static String hmacHex(String algorithm, String key, String data) {
        return HexFormat.of().formatHex(hmac(algorithm, key, data));
    }

    static byte[] hmac(String algorithm, String key, String data) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
