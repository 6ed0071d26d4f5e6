package dev.onramp.dispatch;

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

        // Sent while the page is open: arrives over the stream, no reload.
        String second = Requests.newId();
        Requests.send(user, Requests.request(second, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}"));
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
        assertThat(page.locator(".onramp-item img")).hasCount(0);
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
}
