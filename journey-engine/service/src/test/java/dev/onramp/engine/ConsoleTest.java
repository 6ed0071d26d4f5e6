package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.SameSiteAttribute;
import dev.onramp.infra.Chromium;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The growth console in a real headless Chromium: the admin token logs in (a wrong one does not), the session cookie
 * is HttpOnly and SameSite=Strict, the journeys page shows the same figures as the funnel API, and a form posted
 * without the session's CSRF token is refused. Leaves screenshots in target/console-*.png.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
class ConsoleTest {

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
    void theAdminTokenOpensAJourneysPageThatShowsTheFunnelsFigures() {
        // Given three users who signed up for the quickstart journey
        for (int i = 0; i < 3; i++) {
            Events.track("console-" + UUID.randomUUID(), "Signed Up", "{}");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> funnel().getLong("treatment.entered") >= 3);

        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1200, 640))) {
            Page page = context.newPage();
            // When someone opens the console, they are asked to log in
            page.navigate(base() + "/console");
            assertThat(page.url()).endsWith("/console/login");
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/console-login.png")));

            // a wrong token is refused
            page.fill("#token", "not-the-token");
            page.click("button[type=submit]");
            assertThat(page.textContent(".error")).contains("not the engine's admin token");
            assertThat(cookies(context)).doesNotContainKey("onramp_console");

            // the admin token opens the journeys page
            page.fill("#token", TOKEN);
            page.click("button[type=submit]");
            page.waitForURL("**/console");
            Cookie session = cookies(context).get("onramp_console");
            assertThat(session).isNotNull();
            assertThat(session.httpOnly).isTrue();
            assertThat(session.sameSite).isEqualTo(SameSiteAttribute.STRICT);
            assertThat(session.path).isEqualTo("/console");

            // Then its figures are the funnel API's (read again until nothing moved in between)
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonPath api = funnel();
                page.reload();
                Map<String, Long> shown = figures(page, "quickstart");
                assertThat(shown)
                        .isEqualTo(Map.of(
                                "entered", api.getLong("treatment.entered"),
                                "active", api.getLong("treatment.active"),
                                "completed", api.getLong("treatment.completed"),
                                "converted", api.getLong("treatment.converted"),
                                "held-out", api.getLong("holdout.entered")));
                assertThat(funnel().getLong("treatment.entered")).isEqualTo(shown.get("entered"));
            });
            assertThat(page.textContent("tr[data-journey=quickstart]"))
                    .contains("v1")
                    .contains("Signed Up");
            assertThat(page.textContent(".load")).contains("loaded");
            assertThat(page.textContent("tr[data-journey=quickstart] [data-figure=state]"))
                    .contains("loaded");
            page.waitForSelector("tr[data-journey=quickstart] figure.chart.sparkline.drawn canvas");
            // a period nobody entered in shows nobody
            page.navigate(base() + "/console?from=2001-01-01&to=2001-01-31");
            assertThat(figures(page, "quickstart").get("entered")).isZero();
            page.navigate(base() + "/console");
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/console-journeys.png")));

            // A form posted without the session's CSRF token is refused; with it, the session ends
            String csrf = page.getAttribute("input[name=csrf]", "value");
            given().redirects()
                    .follow(false)
                    .cookie("onramp_console", session.value)
                    .formParam("csrf", "forged")
                    .post("/console/logout")
                    .then()
                    .statusCode(403);
            given().redirects()
                    .follow(false)
                    .cookie("onramp_console", session.value)
                    .formParam("csrf", csrf)
                    .post("/console/logout")
                    .then()
                    .statusCode(303);
        }
    }

    @Test
    void aJourneysPageShowsItsFunnelForTreatmentAndHoldoutWithCountsRatesAndLift() {
        // Given 120 users in a journey that holds half out (by a hash of the id, so the groups are about 60 each and,
        // with 40 conversions, every cell of the 2x2 table expects well over 5); every second explores, every third
        // converts
        String run = "trial-" + UUID.randomUUID() + "-";
        for (int i = 0; i < 120; i++) {
            Events.track(run + i, "Console Trial Started", "{}");
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> funnel("console-trial").getLong("treatment.entered")
                                + funnel("console-trial").getLong("holdout.entered")
                        >= 120);
        for (int i = 0; i < 120; i++) {
            if (i % 2 == 0) {
                Events.track(run + i, "Console Explored", "{}");
            }
            if (i % 3 == 0) {
                Events.track(run + i, "Console Upgraded", "{}");
            }
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> funnel("console-trial").getLong("treatment.converted")
                                + funnel("console-trial").getLong("holdout.converted")
                        >= 40);

        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1200, 900))) {
            Page page = context.newPage();
            logIn(page);
            // When the journey is opened from the journeys page
            page.click("tr[data-journey=console-trial] a");
            page.waitForURL("**/console/journeys/console-trial?*");

            // Then each figure is the funnel API's, shown with its rate, and the lift names its test
            JsonPath api = funnel("console-trial");
            assertThat(figure(page, "entered", "treatment-entered")).isEqualTo(api.getLong("treatment.entered"));
            assertThat(figure(page, "entered", "holdout-entered")).isEqualTo(api.getLong("holdout.entered"));
            assertThat(figure(page, "converted", "treatment-converted")).isEqualTo(api.getLong("treatment.converted"));
            assertThat(figure(page, "converted", "holdout-converted")).isEqualTo(api.getLong("holdout.converted"));
            assertThat(figure(page, "explore", "done")).isEqualTo(api.getLong("treatment.steps[0].done"));
            assertThat(figure(page, "explore", "nudged")).isEqualTo(api.getLong("treatment.steps[0].nudged"));
            assertThat(figure(page, "explore", "holdout-done")).isEqualTo(api.getLong("holdout.steps[0].done"));
            assertThat(figure(page, "explore", "reached")).isEqualTo(api.getLong("treatment.steps[0].reached"));
            assertThat(figure(page, "explore", "reminded")).isEqualTo(api.getLong("treatment.steps[0].reminded"));
            assertThat(page.textContent("tr[data-step=explore] [data-figure=median]"))
                    .matches("< 1 min|\\d+ min");
            assertThat(Long.parseLong(page.textContent("tr[data-channel=in_app] [data-figure=sent]")
                            .trim()))
                    .isEqualTo(api.getLong("treatment.channels.find { it.channel == 'in_app' }.sent"))
                    .isPositive();
            // and the trend is drawn by Chart.js (its figures also in words for a reader without script)
            page.waitForSelector("figure.chart.trend.drawn canvas");
            assertThat((Integer) page.evaluate("() => document.querySelector('figure.chart.trend canvas').width"))
                    .isPositive();
            assertThat((Boolean) page.evaluate(
                            "() => !!Chart.getChart(document.querySelector('figure.chart.trend canvas'))"))
                    .isTrue();
            assertThat(page.textContent("figure.chart.trend figcaption")).contains("entered over");
            assertThat(page.textContent("tr[data-step=explore]")).contains("%");
            assertThat(page.textContent("[data-figure=difference]")).contains("95% CI");
            assertThat(page.textContent("[data-figure=significance]")).startsWith("p = ");
            assertThat(page.textContent("dl.lift")).contains("chi-square").contains("Commons Math");
            assertThat(page.textContent(".facts")).contains("within 7 days").contains("50.0%");
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/console-journey.png")));

            // The journey's messages are listed; previews say what they need when message-dispatch is not configured
            page.click("a[href='/console/journeys/console-trial/templates']");
            assertThat(page.textContent("tr[data-message=explore-0]"))
                    .contains("say-hello")
                    .contains("in_app");
            page.fill("#user", run + 1);
            page.click("form.search button");
            assertThat(page.textContent(".error")).contains("onramp.engine.dispatch.url");

            // And one user's story is a timeline per journey with each decision and its reason, as explain says
            String user = run + 0;
            page.click("header nav a[href='/console/users']");
            page.fill("#user", user);
            page.click("form.search button");
            page.waitForURL("**/console/users?id=*");
            JsonPath story = given().auth()
                    .oauth2(TOKEN)
                    .get("/v1/users/" + user + "/journeys")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            int entries = story.getList("journeys.find { it.journey == 'console-trial' }.log")
                    .size();
            assertThat(page.locator("section[data-journey=console-trial] ol.timeline li")
                            .count())
                    .isEqualTo(entries)
                    .isGreaterThanOrEqualTo(2);
            assertThat(page.textContent("section[data-journey=console-trial]"))
                    .contains("enrolled")
                    .contains(story.getString("journeys.find { it.journey == 'console-trial' }.status"));
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/console-user.png")));

            // and a user Onramp never heard of is said to be unknown
            page.fill("#user", "nobody-" + UUID.randomUUID());
            page.click("form.search button");
            assertThat(page.textContent(".error")).contains("no record");
        }
    }

    @Test
    void aForgedOrMissingSessionNeverSeesAPage() {
        given().redirects().follow(false).get("/console").then().statusCode(303);
        given().redirects()
                .follow(false)
                .cookie("onramp_console", "99999999999.0000")
                .get("/console")
                .then()
                .statusCode(303);
        // and a login posted without the login form's nonce (another site's form) is refused
        given().redirects()
                .follow(false)
                .formParam("token", TOKEN)
                .formParam("nonce", "a-guess")
                .post("/console/login")
                .then()
                .statusCode(403);
    }

    private static Map<String, Long> figures(Page page, String journey) {
        Map<String, Long> figures = new LinkedHashMap<>();
        for (String name : new String[] {"entered", "active", "completed", "converted", "held-out"}) {
            figures.put(
                    name,
                    Long.parseLong(page.textContent("tr[data-journey=" + journey + "] [data-figure=" + name + "]")
                            .trim()));
        }
        return figures;
    }

    private static Map<String, Cookie> cookies(BrowserContext context) {
        Map<String, Cookie> cookies = new LinkedHashMap<>();
        context.cookies().forEach(c -> cookies.put(c.name, c));
        return cookies;
    }

    private static void logIn(Page page) {
        page.navigate(base() + "/console");
        page.fill("#token", TOKEN);
        page.click("button[type=submit]");
        page.waitForURL("**/console");
    }

    private static long figure(Page page, String step, String name) {
        return Long.parseLong(page.textContent("tr[data-step=" + step + "] [data-figure=" + name + "]")
                .trim());
    }

    private static JsonPath funnel() {
        return funnel("quickstart");
    }

    private static JsonPath funnel(String journey) {
        return given().auth()
                .oauth2(TOKEN)
                .get("/v1/journeys/" + journey + "/funnel")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static String base() {
        return "http://localhost:" + RestAssured.port;
    }
}
