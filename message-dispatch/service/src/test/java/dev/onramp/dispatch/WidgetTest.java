package dev.onramp.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import dev.onramp.dispatch.inapp.UserHash;
import dev.onramp.infra.Chromium;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * widget.js on the demo page in a real headless Chromium (Debian's; .ci/run installs it): the bell shows the unread
 * count, a message sent while the page is open appears live, opening the panel reads them, dismissing removes one,
 * and message text is shown as text. Leaves a screenshot in target/widget.png.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = WireMockResource.class, restrictToAnnotatedClass = true)
class WidgetTest {

    static Chromium chromium;
    static Browser browser;

    @BeforeAll
    static void launch() {
        chromium = Chromium.launch();
        browser = chromium.browser();
    }

    @AfterAll
    static void close() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void theBellCountsUnreadMessagesUpdatesLiveAndTheUserReadsAndDismissesThem() {
        String user = "user-" + UUID.randomUUID();
        String hash = UserHash.of("test-inbox-secret", user);
        String first = Requests.newId();
        Requests.send(
                user,
                Requests.request(
                        first,
                        user,
                        "in_app",
                        "[]",
                        "welcome",
                        null,
                        "{\"firstName\":\"<img src=x onerror=alert(1)>\"}"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/unread-count", user)
                .then()
                .body("unread", equalTo(1)));

        Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1100, 700));
        page.onDialog(dialog -> {
            throw new AssertionError("a message ran script: " + dialog.message());
        });
        page.navigate("http://localhost:" + RestAssured.port + "/demo.html?user=" + user + "&hash=" + hash);

        Locator badge = page.locator(".onramp-badge");
        assertThat(badge).hasText("1");

        // Sent while the page is open: arrives over the stream, no reload. Signed by a teammate with a picture.
        String second = Requests.newId();
        WireMockResource.server.stubFor(get(urlEqualTo("/team/belle.svg"))
                .willReturn(aResponse()
                        .withHeader("Content-Type", "image/svg+xml")
                        .withBody("<svg xmlns='http://www.w3.org/2000/svg' width='28' height='28'>"
                                + "<circle cx='14' cy='14' r='14' fill='#e8590c'/></svg>")));
        Requests.send(
                user,
                Requests.signed(
                        Requests.request(second, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"),
                        Requests.BELLE.replace(
                                "https://acme.example/team/belle.png",
                                WireMockResource.server.baseUrl() + "/team/belle.svg")));
        assertThat(badge).hasText("2");
        assertThat(page.locator(".onramp-bell")).hasAttribute("aria-label", "Updates, 2 unread");

        page.locator(".onramp-bell").click();
        Locator items = page.locator(".onramp-item");
        assertThat(items).hasCount(2);
        assertThat(page.locator("[data-message-id='" + second + "'] .onramp-item-title"))
                .hasText("Welcome, Ada");
        // The trait is shown as the text it is, never as markup.
        assertThat(page.locator("[data-message-id='" + first + "'] .onramp-item-title"))
                .hasText("Welcome, <img src=x onerror=alert(1)>");
        assertThat(page.locator("[data-message-id='" + first + "'] img")).hasCount(0);
        assertThat(page.locator("[data-message-id='" + first + "'] .onramp-sender"))
                .hasCount(0);
        // Who signed it: her picture, name and role.
        assertThat(page.locator("[data-message-id='" + second + "'] .onramp-sender"))
                .hasText("Belle · Content Crafter");
        assertThat(page.locator("[data-message-id='" + second + "'] img.onramp-avatar"))
                .hasJSProperty("naturalWidth", 28);
        // Opening the panel reads them.
        assertThat(badge).isHidden();
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/widget.png")));

        page.locator("[data-message-id='" + first + "'] .onramp-dismiss").click();
        assertThat(items).hasCount(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .body("unread", equalTo(0))
                .body("messages.size()", equalTo(1))
                .body("messages[0].id", equalTo(second)));

        // A reload shows what the server kept.
        page.reload();
        assertThat(page.locator(".onramp-bell")).hasAttribute("aria-label", "Updates");
        page.locator(".onramp-bell").click();
        assertThat(page.locator(".onramp-item")).hasCount(1);
        page.close();
    }

    @Test
    void anIncidentsNoticeUpdatesAndResolveAreOneThreadNewestFirst() {
        String user = "user-" + UUID.randomUUID();
        String hash = UserHash.of("test-inbox-secret", user);
        String incident = "inc-" + UUID.randomUUID().toString().substring(0, 8);
        String journeyMessage = Requests.newId();
        Requests.send(
                user,
                Requests.request(journeyMessage, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"));
        String[] parts = {"notice", "update", "resolve"};
        String[] ids = new String[3];
        for (int i = 0; i < parts.length; i++) {
            ids[i] = Requests.newId();
            Requests.send(
                    user,
                    Requests.ofIncident(
                            Requests.request(
                                    ids[i],
                                    user,
                                    "in_app",
                                    "[]",
                                    "welcome",
                                    null,
                                    "{\"firstName\":\"" + parts[i] + "\"}"),
                            "b-" + parts[i],
                            incident));
            // Each stored before the next is sent: each later than the one before.
            int stored = i + 2;
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                    .get("/v1/inbox/{user}/messages", user)
                    .then()
                    .body("messages.size()", equalTo(stored)));
        }
        given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .body("messages[0].incident", equalTo(incident))
                .body("messages[0].broadcast", equalTo("b-resolve"));

        Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1100, 700));
        page.navigate("http://localhost:" + RestAssured.port + "/demo.html?user=" + user + "&hash=" + hash);
        page.locator(".onramp-bell").click();
        // One thread for the incident, one card for the journey's message.
        assertThat(page.locator(".onramp-item")).hasCount(2);
        Locator thread = page.locator(".onramp-thread");
        assertThat(thread).hasAttribute("data-incident", incident);
        assertThat(thread.locator(".onramp-thread-label")).hasText("Incident · 3 messages");
        assertThat(thread.locator(".onramp-item-title")).hasText("Welcome, resolve");
        assertThat(thread.locator(".onramp-earlier li strong"))
                .hasText(new String[] {"Welcome, update", "Welcome, notice"});
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/widget-incident.png")));

        // Dismissing the thread dismisses all of it.
        thread.locator(".onramp-dismiss").click();
        assertThat(page.locator(".onramp-item")).hasCount(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .body("messages.size()", equalTo(1))
                .body("messages[0].id", equalTo(journeyMessage)));
        page.close();
    }

    @Test
    void theUserRepliesToAMessageSendsFeedbackAndSeesATeammatesAnswerArriveLive() {
        String user = "user-" + UUID.randomUUID();
        String hash = UserHash.of("test-inbox-secret", user);
        String asked = Requests.newId();
        Requests.send(
                user,
                Requests.replyable(
                        Requests.request(asked, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}")));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/unread-count", user)
                .then()
                .body("unread", equalTo(1)));

        Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1100, 800));
        page.onDialog(dialog -> {
            throw new AssertionError("a message ran script: " + dialog.message());
        });
        page.navigate("http://localhost:" + RestAssured.port + "/demo.html?user=" + user + "&hash=" + hash);
        page.locator(".onramp-bell").click();

        // A reply, typed in the widget: it joins the message's card as the user's own words, shown as text.
        Locator card = page.locator(".onramp-item[data-message-id='" + asked + "']");
        card.locator(".onramp-reply").click();
        card.locator("textarea").fill("Where is the invite link? <img src=x onerror=alert(1)>");
        card.locator(".onramp-send").click();
        Locator mine = card.locator(".onramp-bubble.onramp-mine");
        assertThat(mine).hasText("YouWhere is the invite link? <img src=x onerror=alert(1)>");
        assertThat(card.locator(".onramp-note")).hasText("Sent.");
        assertThat(card.locator("img")).hasCount(0);
        String conversation = card.getAttribute("data-conversation");

        // Belle answers (journey-engine's answer request): it arrives live in the same thread, under her name.
        Requests.send(
                user,
                Requests.answer(
                        Requests.newId(),
                        user,
                        conversation,
                        "Hi Ada! It's under Settings → Members → Invite.",
                        Requests.BELLE.replace("https://acme.example/team/belle.png", "http://127.0.0.1:9/belle.png")));
        Locator answer = card.locator(".onramp-bubble:not(.onramp-mine)");
        assertThat(answer).containsText("Hi Ada! It's under Settings → Members → Invite.");
        assertThat(answer.locator(".onramp-sender-name")).hasText("Belle");

        // Feedback, with a topic, from the panel's header.
        page.locator(".onramp-feedback-open").click();
        page.locator(".onramp-feedback textarea").fill("Dark mode, please.");
        page.locator(".onramp-feedback select").selectOption("idea");
        page.locator(".onramp-feedback .onramp-send").click();
        assertThat(page.locator(".onramp-feedback .onramp-note")).hasText("Thanks — the team reads every message.");
        Locator feedback = page.locator(".onramp-conversation:has(.onramp-conversation-label)");
        assertThat(feedback.locator(".onramp-bubble.onramp-mine")).hasText("YouDark mode, please.");
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/widget-conversation.png")));

        given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/messages", user)
                .then()
                .body("messages.findAll { it.origin == 'user' }.size()", equalTo(2))
                .body(
                        "messages.find { it.body == 'Dark mode, please.' }.conversation",
                        org.hamcrest.Matchers.notNullValue());
        page.close();
    }

    @Test
    void aTeammateWhosePictureDoesNotLoadIsShownByTheirInitial() {
        String user = "user-" + UUID.randomUUID();
        String hash = UserHash.of("test-inbox-secret", user);
        String id = Requests.newId();
        Requests.send(
                user,
                Requests.signed(
                        Requests.request(id, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"),
                        Requests.BELLE.replace("https://acme.example/team/belle.png", "http://127.0.0.1:9/belle.png")));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Onramp-User-Hash", hash)
                .get("/v1/inbox/{user}/unread-count", user)
                .then()
                .body("unread", equalTo(1)));

        Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1100, 700));
        page.navigate("http://localhost:" + RestAssured.port + "/demo.html?user=" + user + "&hash=" + hash);
        page.locator(".onramp-bell").click();

        Locator sender = page.locator("[data-message-id='" + id + "'] .onramp-sender");
        assertThat(sender.locator(".onramp-initials")).hasText("B");
        assertThat(sender.locator("img")).hasCount(0);
        assertThat(sender).hasText("BBelle · Content Crafter");
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/widget-initial.png")));
        page.close();
    }
}
