package dev.onramp.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import dev.onramp.infra.Chromium;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A user writes back, across the three packaged services and a real headless Chromium, on the example journey
 * (deploy/journeys, a day of journey time a minute): its first step's in-app nudge takes replies; the user replies
 * from the widget and sends feedback; journey-engine lists both conversations, the reply tied to the step that
 * prompted it, on the user's story; Belle answers through the admin API and her answer appears in the widget, live,
 * under her name. Leaves target/conversations-e2e.png.
 */
class ConversationsIT {

    static final String ADMIN_TOKEN = LocalSecrets.ADMIN_TOKEN;
    static final Path JOURNEYS = ThreeServices.ROOT.resolve("deploy/journeys");
    static final Path LOGS = Path.of("target/e2e-logs/conversations").toAbsolutePath();

    /** A stand-in for Zendesk's Tickets API: each ticket's body as posted, by the ticket id it was given. */
    static final Map<Integer, String> TICKETS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The comments the stand-in received: the path (which ticket) and the body. */
    static final java.util.List<String> COMMENTS = new java.util.concurrent.CopyOnWriteArrayList<>();

    static com.sun.net.httpserver.HttpServer zendesk;
    static final String SIGNING_SECRET = "e2e-zendesk-webhook-signing-secret";
    static ThreeServices services;
    static ServiceProcess engine;
    static ServiceProcess dispatch;
    static Chromium chromium;
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startTheServices() throws Exception {
        zendesk = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", FreePorts.find()), 0);
        zendesk.createContext("/api/v2/tickets", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String answer;
            int status;
            if (exchange.getRequestMethod().equals("POST")) {
                int id = 1000 + TICKETS.size();
                TICKETS.put(id, body);
                status = 201;
                answer = "{\"ticket\":{\"id\":" + id + "}}";
            } else if (exchange.getRequestMethod().equals("GET")) {
                status = 200;
                answer = "{\"tickets\":[]}";
            } else {
                COMMENTS.add(exchange.getRequestMethod() + " "
                        + exchange.getRequestURI().getPath() + " " + body);
                status = 200;
                answer = "{}";
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        zendesk.start();
        services = ThreeServices.start(
                "conversations",
                JOURNEYS,
                LOGS,
                FreePorts.find(),
                Map.of("ONRAMP_ENGINE_TIME_SCALE", "1440"),
                Map.of(
                        "ONRAMP_METRICS_PORT",
                        Integer.toString(FreePorts.find()),
                        // routes.yaml's zendesk, configured the way an operator does: by environment variables.
                        "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_URL",
                        "http://127.0.0.1:" + zendesk.getAddress().getPort(),
                        "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_EMAIL",
                        "support@acme.example",
                        "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_TOKEN",
                        "zd-e2e-token",
                        "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_WEBHOOK_SECRET",
                        SIGNING_SECRET,
                        "ONRAMP_DISPATCH_OUTBOUND_ALLOWED_NETWORKS",
                        "127.0.0.1/32"));
        engine = services.engine;
        dispatch = services.dispatch;
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
        if (zendesk != null) {
            zendesk.stop(0);
        }
    }

    @Test
    void aReplyFromTheWidgetReachesTheTeamTiedToItsStepAndTheAnswerComesBackLive() throws Exception {
        String user = "ada-" + UUID.randomUUID().toString().substring(0, 8);
        String hash = hash(user);
        services.post("/v1/identify", """
                {"userId":"%s","traits":{"email":"%s@example.com","firstName":"Ada","role":"admin"}}""".formatted(user, user));
        services.post("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"Signed Up\"}");
        // The first step's nudge (10 minutes of journey time), which takes replies.
        String nudge = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> {
                            JsonNode inbox = json.readTree(get(
                                    dispatch.url() + "/v1/inbox/" + user + "/messages", "X-Onramp-User-Hash", hash));
                            for (JsonNode m : inbox.get("messages")) {
                                if ("set-display-name".equals(m.path("step").asText())
                                        && m.path("replies").asBoolean()) {
                                    return m.get("id").asText();
                                }
                            }
                            return null;
                        },
                        id -> id != null);

        try (BrowserContext context =
                chromium.browser().newContext(new Browser.NewContextOptions().setViewportSize(1100, 820))) {
            Page page = context.newPage();
            page.onDialog(dialog -> {
                throw new AssertionError("a message ran script: " + dialog.message());
            });
            page.navigate(dispatch.url() + "/demo.html?user=" + user + "&hash=" + hash);
            page.locator(".onramp-bell").click();

            // When Ada replies to Belle's nudge, and sends feedback
            Locator card = page.locator(".onramp-item[data-message-id='" + nudge + "']");
            card.locator(".onramp-reply").click();
            card.locator("textarea").fill("Where do I set it? I only see my email.");
            card.locator(".onramp-send").click();
            assertThat(card.locator(".onramp-bubble.onramp-mine"))
                    .hasText("YouWhere do I set it? I only see my email.");
            page.locator(".onramp-feedback-open").click();
            page.locator(".onramp-feedback textarea").fill("The sign-up form forgot my name.");
            page.locator(".onramp-feedback select").selectOption("bug");
            page.locator(".onramp-feedback .onramp-send").click();
            assertThat(page.locator(".onramp-feedback .onramp-note")).hasText("Thanks — the team reads every message.");

            // Then journey-engine lists both, the reply tied to the step that prompted it
            JsonNode reply = await().atMost(Duration.ofSeconds(30))
                    .until(() -> conversationOf(user, "set-display-name"), c -> c != null);
            assertThat(reply.get("journey").asText()).isEqualTo("workspace-onboarding");
            assertThat(reply.get("channel").asText()).isEqualTo("in_app");
            assertThat(reply.get("messageId").asText()).isEqualTo(nudge);
            assertThat(reply.at("/last/text").asText()).isEqualTo("Where do I set it? I only see my email.");
            // routes.yaml of the example: no rule's words, so the default rule; the feedback chose "bug".
            assertThat(reply.get("route").asText()).isEqualTo("everything-else");
            assertThat(reply.get("team").asText()).isEqualTo("product");
            JsonNode bug =
                    await().atMost(Duration.ofSeconds(30)).until(() -> conversationOf(user, null), c -> c != null);
            assertThat(bug.get("route").asText()).isEqualTo("outage-reports");
            assertThat(bug.get("team").asText()).isEqualTo("reliability");
            assertThat(bug.get("destinations").toString()).isEqualTo("[\"zendesk\",\"slack-reliability\"]");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode story = json.readTree(get(engine.url() + "/v1/users/" + user + "/journeys"));
                assertThat(story.get("conversations")).hasSize(2);
                assertThat(story.findValues("detail").stream().map(JsonNode::asText))
                        .contains("replied to step set-display-name of workspace-onboarding by in-app:"
                                + " “Where do I set it? I only see my email.”")
                        .contains("sent feedback by in-app (bug): “The sign-up form forgot my name.”");
            });

            // And the help desk has a ticket for each, with the requester and the route's tags
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TICKETS.values())
                    .anyMatch(t -> t.contains(reply.get("id").asText()) && t.contains(user + "@example.com"))
                    .anyMatch(t -> t.contains(bug.get("id").asText()) && t.contains("\"bug\"")));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode story = json.readTree(get(engine.url() + "/v1/users/" + user + "/journeys"));
                assertThat(story.findValues("detail").stream().map(JsonNode::asText))
                        .anyMatch(d -> d.matches("handed to zendesk: opened ticket 10\\d\\d"))
                        // slack-reliability is in routes.yaml but not configured here: said, not lost.
                        .contains("not handed to slack-reliability: destination 'slack-reliability' is not"
                                + " configured: set onramp.dispatch.destinations.slack-reliability.url");
            });

            // When Ada writes again in the same conversation, it is a comment on the same ticket, not a new ticket
            int first = TICKETS.entrySet().stream()
                    .filter(t -> t.getValue().contains(reply.get("id").asText()))
                    .findFirst()
                    .orElseThrow()
                    .getKey();
            HttpResponse<String> again = http.send(
                    HttpRequest.newBuilder(URI.create(dispatch.url() + "/v1/inbox/" + user + "/conversations"))
                            .header("X-Onramp-User-Hash", hash)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"text\":\"Also: can I change it later?\",\"replyTo\":\"" + nudge + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).as(again.body()).isBetween(200, 201);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(COMMENTS)
                    .anyMatch(c -> c.startsWith("PUT /api/v2/tickets/" + first)
                            && c.contains("Also: can I change it later?")));
            assertThat(TICKETS.values().stream()
                            .filter(t -> t.contains(reply.get("id").asText())))
                    .as("one ticket per conversation")
                    .hasSize(1);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(json
                                    .readTree(get(engine.url() + "/v1/users/" + user + "/journeys"))
                                    .findValues("detail")
                                    .stream()
                                    .map(JsonNode::asText))
                            .contains("handed to zendesk: commented on ticket " + first));

            // When Belle answers through the admin API, it arrives in the widget live, under her name
            HttpResponse<String> answered = http.send(
                    HttpRequest.newBuilder(URI.create(engine.url() + "/v1/conversations/"
                                    + reply.get("id").asText() + "/messages"))
                            .header("Authorization", "Bearer " + ADMIN_TOKEN)
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", UUID.randomUUID().toString())
                            .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                            "{\"teammate\":\"belle\",\"text\":\"Click your picture, then Profile → Display name.\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answered.statusCode()).as(answered.body()).isEqualTo(201);
            Locator answer = card.locator(".onramp-bubble:not(.onramp-mine)");
            assertThat(answer).containsText("Click your picture, then Profile → Display name.");
            assertThat(answer.locator(".onramp-sender-name")).hasText("Belle");

            // When an agent answers in the help desk, its webhook signed as Zendesk signs: it too arrives live
            int ticket = TICKETS.entrySet().stream()
                    .filter(t -> t.getValue().contains(reply.get("id").asText()))
                    .findFirst()
                    .orElseThrow()
                    .getKey();
            String comment = """
                    {"ticket":{"id":"%d","external_id":"%s"},"author":{"name":"Ann from Support","email":"ann@acme.example"},
                     "comment":{"body":"And if it is not there, reload the page — we just fixed a bug."}}""".formatted(ticket, reply.get("id").asText());
            assertThat(helpDeskHook(comment, null).statusCode()).isEqualTo(401);
            HttpResponse<String> hooked = helpDeskHook(comment, SIGNING_SECRET);
            assertThat(hooked.statusCode()).as(hooked.body()).isEqualTo(200);
            Locator ann =
                    card.locator(".onramp-bubble:not(.onramp-mine)", new Locator.LocatorOptions().setHasText("reload"));
            assertThat(ann).containsText("And if it is not there, reload the page — we just fixed a bug.");
            assertThat(ann.locator(".onramp-sender-name")).hasText("Ann from Support");
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/conversations-e2e.png")));
        }
    }

    /**
     * The user's conversation that answers a message of this step (null: their feedback), as journey-engine lists it;
     * null when none yet.
     */
    private JsonNode conversationOf(String user, String step) throws Exception {
        JsonNode page = json.readTree(get(engine.url() + "/v1/conversations?status=open&limit=500"));
        for (JsonNode c : page.get("conversations")) {
            boolean sameStep = step == null
                    ? !c.hasNonNull("step")
                    : step.equals(c.path("step").asText());
            if (user.equals(c.get("userId").asText()) && sameStep) {
                return c;
            }
        }
        return null;
    }

    /** The help desk's trigger calling message-dispatch; signed with {@code secret}, or unsigned when null. */
    private HttpResponse<String> helpDeskHook(String body, String secret) throws Exception {
        String timestamp = java.time.Instant.now()
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(dispatch.url() + "/hooks/helpdesk/zendesk"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (secret != null) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            request.header("X-Zendesk-Webhook-Signature-Timestamp", timestamp)
                    .header(
                            "X-Zendesk-Webhook-Signature",
                            java.util.Base64.getEncoder()
                                    .encodeToString(mac.doFinal((timestamp + body).getBytes(StandardCharsets.UTF_8))));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String hash(String user) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(LocalSecrets.INBOX_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
    }

    private String get(String url) throws Exception {
        return get(url, "Authorization", "Bearer " + ADMIN_TOKEN);
    }

    private String get(String url, String header, String value) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url)).header(header, value).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }
}
