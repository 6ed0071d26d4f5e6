package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import dev.onramp.infra.Chromium;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The growth console across the three packaged services, on the example journey (deploy/journeys, a day of journey
 * time a minute): after a scripted population that signs up through event-ingest — some users held out, some doing
 * steps, some converting — a real headless Chromium logs in and finds on the journey's page the funnel API's figures,
 * on a user's page each message with its reason, and on the templates page previews rendered by message-dispatch for
 * that user; a test send typed there arrives in the SMTP server, marked as a test, and is counted nowhere. Leaves
 * screenshots in target/console-e2e-*.png.
 */
class ConsoleIT {

    static final String ADMIN_TOKEN = LocalSecrets.ADMIN_TOKEN;
    static final Path JOURNEYS = ThreeServices.ROOT.resolve("deploy/journeys");
    static final Path LOGS = Path.of("target/e2e-logs/console").toAbsolutePath();
    static final String JOURNEY = "workspace-onboarding";

    static ThreeServices services;
    static ServiceProcess engine;
    static Chromium chromium;
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startTheServices() {
        int dispatchPort = FreePorts.find();
        services = ThreeServices.start(
                "console",
                JOURNEYS,
                LOGS,
                dispatchPort,
                Map.of(
                        "ONRAMP_ENGINE_TIME_SCALE",
                        "1440",
                        "ONRAMP_ENGINE_DISPATCH_URL",
                        "http://127.0.0.1:" + dispatchPort,
                        "ONRAMP_ENGINE_DISPATCH_ADMIN_TOKEN",
                        ADMIN_TOKEN),
                Map.of("ONRAMP_METRICS_PORT", Integer.toString(FreePorts.find())));
        engine = services.engine;
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stopTheServices() {
        if (chromium != null) {
            chromium.close();
        }
        if (services != null) {
            services.close();
        }
    }

    @Test
    void theConsoleShowsTheFunnelAPIsFiguresEachMessagesReasonAndSendsATest() throws Exception {
        // Given 80 people who sign up through event-ingest (a tenth held out by the journey); every second sets a
        // display name, every third creates a channel, every fourth converts (10+ messages sent)
        String run = "console-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        JsonNode start = funnel();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            String user = run + i;
            users.add(user);
            post("/v1/identify", """
                    {"userId":"%s","traits":{"email":"%s@example.com","firstName":"Ada","role":"admin"}}""".formatted(user, user));
            post("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"Signed Up\"}");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> entered(funnel()) - entered(start) >= 80);
        for (int i = 0; i < 80; i++) {
            String user = users.get(i);
            if (i % 2 == 0) {
                post("/v1/track", """
                        {"userId":"%s","event":"Profile Updated","properties":{"field":"display_name"}}""".formatted(user));
            }
            if (i % 3 == 0) {
                post("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"Channel Created\"}");
            }
            if (i % 4 == 0) {
                post(
                        "/v1/track",
                        "{\"userId\":\"" + user + "\",\"event\":\"Message Sent\",\"properties\":{\"count\":12}}");
            }
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode f = funnel();
            assertThat(converted(f) - converted(start)).isEqualTo(20);
            assertThat(f.at("/treatment/steps/0/nudged").asLong()).isPositive();
        });
        assumeThat(funnel().at("/holdout/entered").asLong()
                        - start.at("/holdout/entered").asLong())
                .as("a tenth held out: with 80 users, none held out is a 0.02% chance")
                .isPositive();

        try (BrowserContext context =
                chromium.browser().newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = context.newPage();
            page.navigate(engine.url() + "/console");
            page.fill("#token", ADMIN_TOKEN);
            page.click("button[type=submit]");
            page.waitForURL("**/console");

            // Then the journey's page shows the funnel API's figures, read again until nothing moved in between
            page.click("tr[data-journey=" + JOURNEY + "] a");
            page.waitForURL("**/console/journeys/" + JOURNEY + "?*");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode api = funnel();
                page.reload();
                assertThat(number(page, "tr[data-step=entered] [data-figure=treatment-entered]"))
                        .isEqualTo(api.at("/treatment/entered").asLong());
                assertThat(number(page, "tr[data-step=entered] [data-figure=holdout-entered]"))
                        .isEqualTo(api.at("/holdout/entered").asLong());
                assertThat(number(page, "[data-figure=treatment-converted]"))
                        .isEqualTo(api.at("/treatment/converted").asLong());
                assertThat(number(page, "[data-figure=holdout-converted]"))
                        .isEqualTo(api.at("/holdout/converted").asLong());
                for (JsonNode step : api.at("/treatment/steps")) {
                    String row = "tr[data-step=" + step.path("step").asText() + "] ";
                    for (String figure : new String[] {"reached", "nudged", "reminded", "read", "clicked", "done"}) {
                        assertThat(number(page, row + "[data-figure=" + figure + "]"))
                                .as(step.path("step").asText() + " " + figure)
                                .isEqualTo(step.path(figure).asLong());
                    }
                }
                for (JsonNode step : api.at("/holdout/steps")) {
                    assertThat(number(
                                    page,
                                    "tr[data-step=" + step.path("step").asText() + "] [data-figure=holdout-done]"))
                            .isEqualTo(step.path("done").asLong());
                }
                assertThat(funnel()).isEqualTo(api);
            });
            page.waitForSelector("figure.chart.trend.drawn canvas");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(Path.of("target/console-e2e-journey.png"))
                    .setFullPage(true));

            // And a treated user's story shows each message with its reason
            String treated = users.stream()
                    .filter(u -> !explain(u).at("/journeys/0/holdout").asBoolean())
                    .filter(u -> messagesSent(explain(u)) > 0)
                    .findFirst()
                    .orElseThrow();
            page.navigate(engine.url() + "/console/users?id=" + treated);
            JsonNode story = explain(treated);
            Locator timeline = page.locator("section[data-journey=" + JOURNEY + "] ol.timeline");
            int checked = 0;
            for (JsonNode entry : story.at("/journeys/0/log")) {
                if (entry.path("kind").asText().equals("message_sent")) {
                    Locator item = timeline.locator("li[data-kind=message_sent][data-message='"
                            + entry.path("messageId").asText() + "']");
                    assertThat(item.count()).isEqualTo(1);
                    assertThat(item.textContent()).contains(entry.path("detail").asText());
                    checked++;
                }
            }
            assertThat(checked).isPositive();
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(Path.of("target/console-e2e-user.png"))
                    .setFullPage(true));

            // And the templates page previews the invite-teammate email for that user, rendered by message-dispatch
            page.navigate(engine.url() + "/console/journeys/" + JOURNEY
                    + "/templates?step=invite-teammate&message=0&user=" + treated);
            assertThat(page.textContent("section.preview[data-channel=email] .subject"))
                    .isNotBlank();
            assertThat(page.locator("section.preview[data-channel=in_app]").count())
                    .isPositive();
            assertThat(page.locator("section.preview .error").count()).isZero();

            // and a test send typed there arrives in the SMTP server, marked as a test, and is counted nowhere
            String operator = "operator-" + UUID.randomUUID() + "@example.com";
            page.fill("#to-email", operator);
            page.click("form.test-send[data-channel=email] button");
            assertThat(page.textContent("[data-figure=test-send]")).contains("Sent to " + operator);
            ReceivedMail mail = await().atMost(Duration.ofSeconds(10))
                    .until(() -> Infra.smtp().mailsTo(operator), m -> !m.isEmpty())
                    .getFirst();
            assertThat(mail.subject()).startsWith("[Test] ");
            assertThat(mail.header("X-Onramp-Test")).isEqualTo("true");
            page.screenshot(new Page.ScreenshotOptions()
                    .setPath(Path.of("target/console-e2e-templates.png"))
                    .setFullPage(true));
            java.util.regex.Matcher id = java.util.regex.Pattern.compile("message id (test-[0-9a-f-]+)")
                    .matcher(page.textContent("[data-figure=test-send]"));
            assertThat(id.find()).isTrue();
            assertThat(mail.header("X-Onramp-Message-Id")).isEqualTo(id.group(1));
            assertThat(Rows.count("SELECT count(*) FROM dispatch.deliveries WHERE message_id LIKE ?", id.group(1)))
                    .as("a test send is not in the delivery ledger (so no delivery event, no funnel)")
                    .isZero();
            assertThat(Rows.count("SELECT count(*) FROM engine.decisions WHERE message_id LIKE ?", id.group(1)))
                    .isZero();
        }
    }

    private static long number(Page page, String selector) {
        return Long.parseLong(page.textContent(selector).trim());
    }

    private static long messagesSent(JsonNode story) {
        long n = 0;
        for (JsonNode entry : story.at("/journeys/0/log")) {
            if (entry.path("kind").asText().equals("message_sent")) {
                n++;
            }
        }
        return n;
    }

    private static long converted(JsonNode funnel) {
        return funnel.at("/treatment/converted").asLong()
                + funnel.at("/holdout/converted").asLong();
    }

    private static long entered(JsonNode funnel) {
        return funnel.at("/treatment/entered").asLong()
                + funnel.at("/holdout/entered").asLong();
    }

    private JsonNode funnel() throws Exception {
        return json.readTree(get(engine.url() + "/v1/journeys/" + JOURNEY + "/funnel"));
    }

    private JsonNode explain(String user) {
        try {
            return json.readTree(get(engine.url() + "/v1/users/" + user + "/journeys"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String get(String url) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private void post(String path, String body) throws Exception {
        services.post(path, body);
    }
}
