package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.onramp.infra.Chromium;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's incident pages in a real headless Chromium: a teammate opens an incident from the form — a bad
 * condition is refused naming it, with nothing sent; the preview shows each channel rendered and the exact number of
 * recipients before the confirm button; a second click opens nothing more — then posts an update that goes to exactly
 * the notice's recipients, and resolves it. Leaves screenshots in target/console-incident-*.png.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
class IncidentConsoleTest {

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
    void aTeammateOpensAnIncidentPostsAnUpdateAndResolvesItFromTheConsole() throws Exception {
        String cohort = UUID.randomUUID().toString();
        List<String> eu = BroadcastsTest.knownUsers(
                2,
                "{\"cohort\":\"" + cohort
                        + "\",\"region\":\"eu\",\"firstName\":\"Ada\",\"timezone\":\"Europe/Paris\"}");
        BroadcastsTest.knownUsers(1, "{\"cohort\":\"" + cohort + "\",\"region\":\"us\"}");
        String title = "Sign-in failing on the EU cluster " + cohort.substring(0, 8);
        long incidentsBefore = Db.count("SELECT count(*) FROM engine.incidents");

        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = context.newPage();
            logIn(page);
            page.click("header nav a[href='/console/incidents']");
            page.click("a[href='/console/incidents/new']");
            page.waitForURL("**/console/incidents/new");

            // A condition that does not compile is refused, naming it, and nothing is created
            page.fill("#title", title);
            page.check("input[name=audience][value=where]");
            page.fill("#where", "user.traits.cohort = '" + cohort + "'");
            page.fill("#in_app_title", "Sign-in is failing");
            page.fill(
                    "#in_app_body",
                    "We are on it, {user.traits.firstName ?: 'there'}. Next update by {context.nextUpdateAt}.");
            page.fill("#email_subject", "Sign-in is failing on the EU cluster");
            page.fill(
                    "#email_body",
                    "Hi {user.traits.firstName ?: 'there'},\n\nSince 13:05 UTC sign-in fails for EU"
                            + " workspaces. Your data is safe.\n\nWe will write again by {context.nextUpdateAt}.\n\n— {sender.name}");
            page.selectOption("#sender", "belle");
            page.fill("#next_update_by", "2026-12-07T14:00");
            page.click("button[value=preview]");
            assertThat(page.textContent("[role=alert]"))
                    .contains("Nothing was sent")
                    .contains("Condition: 1:");
            assertThat(page.locator("button[value=send]").count()).isZero();

            // Fixed, the preview shows the exact audience and each channel as a recipient reads it
            page.fill("#where", "user.traits.cohort == '" + cohort + "' && user.traits.region == 'eu'");
            page.click("button[value=preview]");
            assertThat(page.textContent("[data-figure=recipients]").trim()).isEqualTo("2");
            assertThat(page.textContent(".preview[data-channel=in_app]"))
                    .contains("Sign-in is failing")
                    .contains("We are on it, Ada. Next update by 15:00 CET.");
            assertThat(page.textContent(".preview[data-channel=email]"))
                    .contains("Since 13:05 UTC sign-in fails")
                    .contains("— Belle");
            assertThat(page.textContent("button[value=send]")).contains("Send to 2 recipients");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(Path.of("target/console-incident-preview.png"))
                    .setFullPage(true));

            // A message changed after its preview is previewed again, not sent
            page.fill("#in_app_title", "Sign-in is failing (EU)");
            page.click("button[value=send]");
            assertThat(page.textContent("[data-figure=changed]")).contains("changed after its preview");
            assertThat(Db.count("SELECT count(*) FROM engine.incidents")).isEqualTo(incidentsBefore);

            // Confirmed: the incident page, its notice sent to exactly those two
            @SuppressWarnings("unchecked")
            List<List<String>> fields = (List<List<String>>)
                    page.evaluate("() => [...new FormData(document.querySelector('form.compose'))]");
            page.click("button[value=send]");
            page.waitForURL("**/console/incidents/inc-*");
            String id = page.url().substring(page.url().lastIndexOf('/') + 1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                page.reload();
                assertThat(page.textContent("tr[data-part=notice] [data-figure=sent]")
                                .trim())
                        .isEqualTo("2");
                assertThat(page.textContent("[data-figure=recipients]").trim()).isEqualTo("2");
            });
            assertThat(page.textContent("tr[data-part=notice]")).contains("email, in_app");

            // The same form sent again (a second click, a retry) opens nothing more
            String session = context.cookies().stream()
                    .filter(c -> c.name.equals("onramp_console"))
                    .findFirst()
                    .orElseThrow()
                    .value;
            var again = given().redirects()
                    .follow(false)
                    .contentType("application/x-www-form-urlencoded; charset=UTF-8")
                    .cookie("onramp_console", session);
            for (List<String> field : fields) {
                again = again.formParam(field.get(0), field.get(1));
            }
            again.formParam("action", "send")
                    .post("/console/incidents/new")
                    .then()
                    .statusCode(303)
                    .header("Location", org.hamcrest.Matchers.endsWith("/console/incidents/" + id));
            assertThat(Db.count("SELECT count(*) FROM engine.incidents")).isEqualTo(incidentsBefore + 1);
            // and without the session's CSRF token, nothing at all
            var forged = given().redirects().follow(false).cookie("onramp_console", session);
            for (List<String> field : fields) {
                forged = forged.formParam(field.get(0), field.get(0).equals("csrf") ? "forged" : field.get(1));
            }
            forged.formParam("action", "send")
                    .post("/console/incidents/new")
                    .then()
                    .statusCode(403);

            // An update, in-app only, goes to exactly the notice's recipients
            BroadcastsTest.knownUsers(
                    1, "{\"cohort\":\"" + cohort + "\",\"region\":\"eu\"}"); // joined after the notice
            page.navigate(base() + "/console/incidents/" + id);
            page.click("a[href='/console/incidents/" + id + "/update']");
            page.uncheck("input[name=channel][value=email]");
            page.fill("#in_app_title", "Sign-in: a fix is rolling out");
            page.fill("#in_app_body", "Most of you can sign in again. Next update by {context.nextUpdateAt}.");
            page.selectOption("#sender", "belle");
            page.fill("#next_update_by", "2026-12-07T16:00");
            page.click("button[value=preview]");
            assertThat(page.textContent("[data-figure=recipients]").trim()).isEqualTo("2");
            page.click("button[value=send]");
            page.waitForURL("**/console/incidents/" + id);

            // And the resolve
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                page.reload();
                assertThat(page.textContent("tr[data-part=update] [data-figure=sent]")
                                .trim())
                        .isEqualTo("2");
            });
            page.click("a[href='/console/incidents/" + id + "/resolve']");
            page.fill("#in_app_title", "Sign-in works again");
            page.fill(
                    "#in_app_body",
                    "Sorry for the trouble. If you cannot sign in, reset your session from the login page.");
            page.check("input[name=channel][value=email]");
            page.fill("#email_subject", "Resolved: sign-in works again");
            page.fill("#email_body", "It is fixed. — {sender.name}");
            page.selectOption("#sender", "belle");
            page.click("button[value=preview]");
            page.click("button[value=send]");
            page.waitForURL("**/console/incidents/" + id);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                page.reload();
                assertThat(page.textContent("tr[data-part=resolve] [data-figure=sent]")
                                .trim())
                        .isEqualTo("2");
            });
            assertThat(page.textContent("[data-figure=state]")).contains("resolved");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(Path.of("target/console-incident.png"))
                    .setFullPage(true));

            // What the API says is what the page showed: three messages, each to the same two users
            JsonNode api = IncidentsTest.incident(id);
            assertThat(api.at("/state").asText()).isEqualTo("resolved");
            assertThat(api.at("/timeline").size()).isEqualTo(3);
            for (JsonNode part : api.at("/timeline")) {
                assertThat(part.at("/broadcast/counts/sent").asLong()).isEqualTo(2);
            }
            var sent = TopicReader.all(
                    Infra.kafka().bootstrapServers(),
                    "onramp.message-requests",
                    r -> r.value().contains("\"incident\":\"" + id + "\""),
                    Duration.ofSeconds(2));
            assertThat(sent).hasSize(6);
            assertThat(sent.stream().map(r -> r.key()).distinct()).containsExactlyInAnyOrderElementsOf(eu);
        }
    }

    @Test
    void aFormWithoutTheSessionsCsrfTokenSendsNothing() {
        given().redirects()
                .follow(false)
                .formParam("title", "Forged")
                .post("/console/incidents/new")
                .then()
                .statusCode(303);
    }

    private static void logIn(Page page) {
        page.navigate(base() + "/console");
        page.fill("#token", TOKEN);
        page.click("button[type=submit]");
        page.waitForURL("**/console");
    }

    private static String base() {
        return "http://localhost:" + RestAssured.port;
    }
}
