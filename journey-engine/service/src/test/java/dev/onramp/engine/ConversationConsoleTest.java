package dev.onramp.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.onramp.infra.Chromium;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
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
 * The console's conversations in a real headless Chromium: a routed reply is listed under its team, opened with the
 * user's journey and the step they wrote about; a teammate answers from the form — the answer leaves once, signed by
 * them, and a second click answers nothing more — and closes it. What the user wrote shows as text. Leaves
 * target/console-conversation.png.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
class ConversationConsoleTest {

    static final String TOKEN = "test-admin-token";
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
    void aTeammateFindsARoutedReplyBesideTheUsersJourneyAndAnswersIt() throws Exception {
        // Given a user in the quickstart journey who asks for a refund at its first step
        String user = JourneyEngineTest.newUser();
        Events.identify(user, "{\"email\":\"" + user + "@example.com\"}");
        Events.track(user, "Signed Up", "{}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.enrollments WHERE user_id = ?", user) == 1);
        String conversation = "cv-" + UUID.randomUUID();
        String text = "<script>alert(1)</script> I want a refund";
        String reply = ConversationsTest.reply("w-" + UUID.randomUUID(), conversation, user, text)
                .replace("\"step\":\"invite-teammate\"", "\"step\":\"say-hello\"");
        Contracts.check(Contracts.CONVERSATIONS, reply);
        Events.send(ConversationsTest.TOPIC, user, reply);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Db.count("SELECT count(*) FROM engine.conversations WHERE id = ?", conversation) == 1);

        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = context.newPage();
            page.onDialog(dialog -> {
                throw new AssertionError("what a user wrote ran script: " + dialog.message());
            });
            page.navigate(base() + "/console");
            page.fill("#token", TOKEN);
            page.click("button[type=submit]");
            page.waitForURL("**/console");

            // Listed under its team, with the billing rule's tag
            page.click("header nav a[href='/console/conversations']");
            page.selectOption("#team", "product");
            page.click("form.search button");
            String row = "tr[data-conversation='" + conversation + "']";
            assertThat(page.textContent(row)).contains(text).contains("billing").contains("product");

            // Opened: the thread as text, the route, the user's journey with the step they wrote about
            page.click(row + " a[href='/console/conversations/" + conversation + "']");
            assertThat(page.textContent(".thread-messages .from-user .text")).isEqualTo(text);
            assertThat(page.textContent("[data-figure=route]")).isEqualTo("billing");
            assertThat(page.textContent("[data-journey=quickstart] li.wrote-here"))
                    .contains("wrote about this step");

            // Answered as Joel: it leaves once, signed by him, and shows in the thread
            page.selectOption("#teammate", "joel");
            page.fill("#text", "Refunded — sorry about that.");
            String key = page.getAttribute("form.reply input[name=key]", "value");
            String csrf = page.getAttribute("form.reply input[name=csrf]", "value");
            page.click("form.reply button[type=submit]");
            page.waitForURL("**/console/conversations/" + conversation + "?sent=yes");
            assertThat(page.textContent(".thread-messages .from-team"))
                    .contains("Joel")
                    .contains("Refunded — sorry about that.");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(Path.of("target/console-conversation.png"))
                    .setFullPage(true));
            assertThat(page.textContent("[role=status]")).contains("Sent to the user");
            // The same form submitted again (a double click, a resubmit): nothing leaves a second time, and it says so
            var again = page.request()
                    .post(
                            base() + "/console/conversations/" + conversation + "/reply",
                            com.microsoft.playwright.options.RequestOptions.create()
                                    .setForm(com.microsoft.playwright.options.FormData.create()
                                            .set("csrf", csrf)
                                            .set("key", key)
                                            .set("teammate", "joel")
                                            .set("text", "Refunded — sorry about that.")));
            assertThat(again.url()).endsWith("?sent=again");
            assertThat(again.text()).contains("nothing was sent twice");
            // Back to the form: the browser does not refill it, and the view (with the answer in it) takes a new key
            page.goBack();
            assertThat(page.inputValue("#text")).isEmpty();
            assertThat(page.getAttribute("form.reply input[name=key]", "value")).isNotEqualTo(key);

            var answers = TopicReader.all(
                    Infra.kafka().bootstrapServers(),
                    "onramp.message-requests",
                    r -> r.value().contains(conversation) && r.value().contains("\"origin\":\"answer\""),
                    Duration.ofSeconds(2));
            assertThat(answers).hasSize(1);
            JsonNode answer = new ObjectMapper().readTree(answers.getFirst().value());
            assertThat(answer.at("/sender/name").asText()).isEqualTo("Joel");
            assertThat(answer.get("text").asText()).isEqualTo("Refunded — sorry about that.");

            // Owned and tagged by hand; a tag that is not a word is refused, saying why
            page.navigate(base() + "/console/conversations/" + conversation);
            page.selectOption("#assignee", "belle");
            page.fill("#tags", "billing, refund");
            page.click("form.triage button[type=submit]");
            page.waitForURL("**/console/conversations/" + conversation + "?sent=triaged");
            assertThat(page.textContent("[role=status]")).contains("Owner and tags saved");
            assertThat(page.textContent("p.facts"))
                    .contains("assigned to belle")
                    .contains("refund");
            page.fill("#tags", "billing, not ok!");
            page.click("form.triage button[type=submit]");
            assertThat(page.textContent("[role=alert]")).contains("Tags");

            // The journey's page: the step the user wrote about, with its conversations and top tags
            page.navigate(base() + "/console/journeys/quickstart");
            String talk = "tr[data-talk='say-hello']";
            assertThat(Integer.parseInt(page.textContent(talk + " [data-figure=conversations]")))
                    .isGreaterThanOrEqualTo(1);
            assertThat(page.textContent(talk)).contains("billing").contains("refund");
            page.locator("#talk").scrollIntoViewIfNeeded();
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/console-journey-talk.png")));
            page.click(talk + " a[data-tag='refund']");
            assertThat(page.textContent("[data-figure=about]")).contains("say-hello");
            assertThat(page.locator("tr[data-conversation='" + conversation + "']")
                            .count())
                    .isEqualTo(1);

            // Closed
            page.navigate(base() + "/console/conversations/" + conversation);
            page.click("form.inline button");
            assertThat(page.textContent("[data-figure=status]")).isEqualTo("closed");
        }
    }

    private static String base() {
        return "http://localhost:" + RestAssured.port;
    }
}
