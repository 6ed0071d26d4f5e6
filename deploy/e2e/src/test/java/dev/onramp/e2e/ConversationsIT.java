package dev.onramp.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
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
 * under her name. Zendesk, Slack and Twilio are WireMock, by their documented APIs: Zendesk accepts the first ticket
 * and answers after dispatch's timeout, and still has one ticket for the conversation. A text answered by SMS routes
 * by the same rules. Leaves target/conversations-e2e.png.
 */
class ConversationsIT {

    static final String ADMIN_TOKEN = LocalSecrets.ADMIN_TOKEN;
    static final Path JOURNEYS = ThreeServices.ROOT.resolve("deploy/journeys");
    static final Path LOGS = Path.of("target/e2e-logs/conversations").toAbsolutePath();

    /**
     * Zendesk's Tickets API, Slack's incoming webhooks and Twilio's Messages API, stood in by WireMock: what each was
     * sent is in its journal; the tickets are kept as Zendesk keeps them ({@link ZendeskTickets}).
     */
    static WireMockServer standIn;

    static final ZendeskTickets ZENDESK = new ZendeskTickets();
    static final String SIGNING_SECRET = "e2e-zendesk-webhook-signing-secret";
    static final String TWILIO_SID = "AC0e2e0000000000000000000000000000";
    static final String TWILIO_TOKEN = "e2e-twilio-auth-token-0123456789abcdef";
    static final String TWILIO_FROM = "+15005550006";
    static final String SLACK_RELIABILITY = "/services/T0E2E/B0REL/reliability";
    static final String SLACK_REVENUE = "/services/T0E2E/B0REV/revenue";
    static final int DISPATCH_PORT = FreePorts.find();
    static final String FIRST_REPLY = "Where do I set it? I only see my email.";
    static ThreeServices services;
    static ServiceProcess engine;
    static ServiceProcess dispatch;
    static Chromium chromium;
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startTheServices() throws Exception {
        standIn = new WireMockServer(WireMockConfiguration.options()
                .bindAddress("127.0.0.1")
                .port(FreePorts.find())
                .extensions(ZENDESK));
        standIn.start();
        standIn.stubFor(any(urlPathMatching("/api/v2/tickets.*"))
                .atPriority(5)
                .willReturn(aResponse().withTransformers(ZendeskTickets.NAME)));
        // Zendesk accepts the first reply's ticket but answers after dispatch's 1 s timeout, once.
        standIn.stubFor(post(urlPathEqualTo("/api/v2/tickets"))
                .withRequestBody(containing(FIRST_REPLY))
                .inScenario("accepted, answered too late")
                .whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("answered late")
                .atPriority(1)
                .willReturn(aResponse().withFixedDelay(3_000).withTransformers(ZendeskTickets.NAME)));
        standIn.stubFor(post(urlPathMatching("/services/.*")).willReturn(ok("ok")));
        standIn.stubFor(post(urlPathEqualTo("/2010-04-01/Accounts/" + TWILIO_SID + "/Messages.json"))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"sid\":\"SM" + UUID.randomUUID().toString().replace("-", "")
                                + "\",\"status\":\"queued\"}")));
        String base = "http://127.0.0.1:" + standIn.port();
        Map<String, String> dispatchEnv = new java.util.HashMap<>(Map.of(
                "ONRAMP_METRICS_PORT",
                Integer.toString(FreePorts.find()),
                "ONRAMP_DISPATCH_PUBLIC_URL",
                "http://127.0.0.1:" + DISPATCH_PORT,
                // routes.yaml's zendesk, configured the way an operator does: by environment variables.
                "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_URL",
                base,
                "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_EMAIL",
                "support@acme.example",
                "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_TOKEN",
                "zd-e2e-token",
                "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_TIMEOUT",
                "1s",
                "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_WEBHOOK_SECRET",
                SIGNING_SECRET,
                "ONRAMP_DISPATCH_DESTINATIONS_ZENDESK_GROUPS_PRODUCT",
                "360003",
                "ONRAMP_DISPATCH_HANDOFFS_FIRST_RETRY",
                "500ms",
                "ONRAMP_DISPATCH_OUTBOUND_ALLOWED_NETWORKS",
                "127.0.0.1/32"));
        // A name with a dash cannot be spelled by an upper-case variable: its exact property name is one.
        dispatchEnv.put("onramp.dispatch.destinations.slack-reliability.url", base + SLACK_RELIABILITY);
        dispatchEnv.put("onramp.dispatch.destinations.slack-revenue.url", base + SLACK_REVENUE);
        dispatchEnv.putAll(Map.of(
                "ONRAMP_DISPATCH_SMS_BASE_URL", base,
                "ONRAMP_DISPATCH_SMS_ACCOUNT_SID", TWILIO_SID,
                "ONRAMP_DISPATCH_SMS_AUTH_TOKEN", TWILIO_TOKEN,
                "ONRAMP_DISPATCH_SMS_FROM", TWILIO_FROM));
        services = ThreeServices.start(
                "conversations",
                JOURNEYS,
                LOGS,
                DISPATCH_PORT,
                Map.of("ONRAMP_ENGINE_TIME_SCALE", "1440"),
                dispatchEnv);
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
        if (standIn != null) {
            standIn.stop();
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
            card.locator("textarea").fill(FIRST_REPLY);
            card.locator(".onramp-send").click();
            assertThat(card.locator(".onramp-bubble.onramp-mine")).hasText("You" + FIRST_REPLY);
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
            assertThat(reply.at("/last/text").asText()).isEqualTo(FIRST_REPLY);
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

            // And the help desk has exactly one ticket for each — the reply's although Zendesk answered its create too
            // late and dispatch tried again — with the requester, the route's tags and an Idempotency-Key
            String replyId = reply.get("id").asText();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(ZENDESK.of(replyId)).hasSize(1);
                assertThat(ZENDESK.of(bug.get("id").asText())).hasSize(1);
            });
            ZendeskTickets.Ticket ticket = ZENDESK.of(replyId).getFirst();
            assertThat(ticket.created().at("/requester/email").asText()).isEqualTo(user + "@example.com");
            assertThat(ticket.created().at("/requester/name").asText()).isEqualTo("Ada");
            assertThat(ticket.created().at("/comment/body").asText()).isEqualTo(FIRST_REPLY);
            assertThat(ticket.created().get("subject").asText()).startsWith("[set-display-name] ");
            ZendeskTickets.Ticket bugTicket = ZENDESK.of(bug.get("id").asText()).getFirst();
            assertThat(bugTicket.created().get("tags").toString()).isEqualTo("[\"bug\"]");
            assertThat(bugTicket.created().get("priority").asText()).isEqualTo("high");
            assertThat(ticket.created().get("group_id").asLong())
                    .as("the product team's Zendesk group")
                    .isEqualTo(360003L);
            assertThat(bugTicket.created().has("group_id"))
                    .as("reliability has no group here")
                    .isFalse();
            // And the user's timeline (the explain API) has the ticket id of each
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(timeline(user))
                    .contains("handed to zendesk: ticket " + ticket.id() + " was opened by an earlier attempt")
                    .contains("handed to zendesk: opened ticket " + bugTicket.id())
                    .anyMatch(d -> d.startsWith("handed to slack-reliability")));

            var creates = standIn.findAll(postRequestedFor(urlPathEqualTo("/api/v2/tickets"))
                    .withRequestBody(matchingJsonPath("$.ticket.external_id", equalTo(replyId))));
            assertThat(creates)
                    .as("the create answered too late was not repeated")
                    .hasSize(1);
            assertThat(creates.getFirst().getHeader("Idempotency-Key")).isNotBlank();
            assertThat(creates.getFirst().getHeader("Authorization")).startsWith("Basic ");
            assertThat(standIn.findAll(getRequestedFor(urlPathEqualTo("/api/v2/tickets"))
                            .withQueryParam("external_id", equalTo(replyId))))
                    .as("the next attempt looked the ticket up by external_id")
                    .isNotEmpty();
            assertThat(ZENDESK.of(replyId))
                    .as("exactly one ticket, after the retry")
                    .hasSize(1);
            // And the reliability team's Slack channel is alerted about the bug, once
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(standIn.findAll(postRequestedFor(urlPathEqualTo(SLACK_RELIABILITY))
                                    .withRequestBody(containing("The sign-up form forgot my name."))))
                            .hasSize(1));

            // When Ada writes again in the same conversation, it is a comment on the same ticket, not a new ticket
            HttpResponse<String> again = http.send(
                    HttpRequest.newBuilder(URI.create(dispatch.url() + "/v1/inbox/" + user + "/conversations"))
                            .header("X-Onramp-User-Hash", hash)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"text\":\"Also: can I change it later?\",\"replyTo\":\"" + nudge + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).as(again.body()).isBetween(200, 201);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(ticket.comments()).contains("Also: can I change it later?"));
            assertThat(ZENDESK.of(replyId)).as("one ticket per conversation").hasSize(1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(timeline(user))
                    .contains("handed to zendesk: commented on ticket " + ticket.id()));

            // When Belle answers through the admin API, it arrives in the widget live, under her name
            HttpResponse<String> answered =
                    answer(reply.get("id").asText(), "belle", "Click your picture, then Profile → Display name.");
            assertThat(answered.statusCode()).as(answered.body()).isEqualTo(201);
            Locator answer = card.locator(".onramp-bubble:not(.onramp-mine)");
            assertThat(answer).containsText("Click your picture, then Profile → Display name.");
            assertThat(answer.locator(".onramp-sender-name")).hasText("Belle");

            // When an agent answers in the help desk, its webhook signed as Zendesk signs: it too arrives live
            String comment = """
                    {"ticket":{"id":"%d","external_id":"%s"},"author":{"name":"Ann from Support","email":"ann@acme.example"},
                     "comment":{"body":"And if it is not there, reload the page — we just fixed a bug."}}""".formatted(ticket.id(), replyId);
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

    @Test
    void anSmsReplyThroughTwiliosInboundWebhookIsRoutedByTheSameRules() throws Exception {
        String user = "sam-" + UUID.randomUUID().toString().substring(0, 8);
        String phone = "+1415555" + (1000 + new java.util.Random().nextInt(9000));
        services.post("/v1/identify", """
                {"userId":"%s","traits":{"email":"%s@example.com","firstName":"Sam","phone":"%s"}}""".formatted(user, user, phone));
        // A text to Sam (a broadcast by the admin API), which Twilio takes
        HttpResponse<String> broadcast = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> http.send(
                                HttpRequest.newBuilder(URI.create(engine.url() + "/v1/broadcasts"))
                                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                                        .header("Content-Type", "application/json")
                                        .header("Idempotency-Key", "sms-e2e-" + user)
                                        .POST(HttpRequest.BodyPublishers.ofString("""
                                                {"name":"New invoices","audience":{"users":["%s"]},"channels":["sms"],
                                                 "content":{"sms":{"body":"Acme: your invoices moved to Settings → Billing."}}}""".formatted(user)))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString()),
                        r -> r.statusCode() == 201);
        String broadcastId = json.readTree(broadcast.body()).get("id").asText();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(standIn.findAll(
                        postRequestedFor(urlPathEqualTo("/2010-04-01/Accounts/" + TWILIO_SID + "/Messages.json"))
                                .withRequestBody(
                                        containing("To=" + java.net.URLEncoder.encode(phone, StandardCharsets.UTF_8)))))
                .hasSize(1));

        // When Sam texts back, Twilio posts the reply to message-dispatch, signed; unsigned, it is refused
        Map<String, String> form = Map.of(
                "From", phone,
                "To", TWILIO_FROM,
                "Body", "I was charged twice this month",
                "MessageSid", "SM" + UUID.randomUUID().toString().replace("-", ""),
                "AccountSid", TWILIO_SID);
        assertThat(twilioInbound(form, "not-the-signature").statusCode()).isEqualTo(403);
        HttpResponse<String> inbound = twilioInbound(form, twilioSignature(form));
        assertThat(inbound.statusCode()).as(inbound.body()).isEqualTo(200);

        // Then it is a conversation on the SMS channel, answering that broadcast, routed as billing: revenue, Joel
        JsonNode sms = await().atMost(Duration.ofSeconds(30)).until(() -> conversationOf(user, null), c -> c != null);
        assertThat(sms.get("channel").asText()).isEqualTo("sms");
        assertThat(sms.get("broadcast").asText()).isEqualTo(broadcastId);
        assertThat(sms.get("route").asText()).isEqualTo("billing");
        assertThat(sms.get("team").asText()).isEqualTo("revenue");
        assertThat(sms.get("assignee").asText()).isEqualTo("joel");
        assertThat(sms.get("destinations").toString()).isEqualTo("[\"zendesk\",\"slack-revenue\"]");
        // And the help desk has its ticket, the revenue channel its alert, the timeline the ticket id
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(ZENDESK.of(sms.get("id").asText())).hasSize(1));
        ZendeskTickets.Ticket ticket = ZENDESK.of(sms.get("id").asText()).getFirst();
        assertThat(ticket.created().get("tags").toString()).isEqualTo("[\"billing\"]");
        assertThat(ticket.created().at("/comment/body").asText()).isEqualTo("I was charged twice this month");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(standIn.findAll(postRequestedFor(urlPathEqualTo(SLACK_REVENUE))
                                .withRequestBody(containing("I was charged twice this month"))))
                        .hasSize(1));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(timeline(user))
                .contains("handed to zendesk: opened ticket " + ticket.id()));

        // When Joel answers through the admin API, the answer goes back by SMS, to Sam's number
        HttpResponse<String> answered = answer(sms.get("id").asText(), "joel", "Refunded the second charge, sorry!");
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(standIn.findAll(postRequestedFor(
                                urlPathEqualTo("/2010-04-01/Accounts/" + TWILIO_SID + "/Messages.json"))
                        .withRequestBody(containing("To=" + java.net.URLEncoder.encode(phone, StandardCharsets.UTF_8)))
                        .withRequestBody(containing(java.net.URLEncoder.encode(
                                "Refunded the second charge, sorry!", StandardCharsets.UTF_8)))))
                .hasSize(1));
    }

    /** A teammate's answer through journey-engine's admin API. */
    private HttpResponse<String> answer(String conversation, String teammate, String text) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(engine.url() + "/v1/conversations/" + conversation + "/messages"))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", UUID.randomUUID().toString())
                        .POST(HttpRequest.BodyPublishers.ofString(json.createObjectNode()
                                .put("teammate", teammate)
                                .put("text", text)
                                .toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The lines of the user's story (the explain API), as its {@code detail}s. */
    private java.util.List<String> timeline(String user) throws Exception {
        return json.readTree(get(engine.url() + "/v1/users/" + user + "/journeys")).findValues("detail").stream()
                .map(JsonNode::asText)
                .toList();
    }

    /** Twilio calling message-dispatch's inbound webhook with this form and signature. */
    private HttpResponse<String> twilioInbound(Map<String, String> form, String signature) throws Exception {
        String body = form.entrySet().stream()
                .map(e -> java.net.URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + java.net.URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(java.util.stream.Collectors.joining("&"));
        return http.send(
                HttpRequest.newBuilder(URI.create(dispatch.url() + "/v1/sms/inbound"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("X-Twilio-Signature", signature)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Twilio's signature: HMAC-SHA1 with the auth token of the URL it called and each parameter, sorted by name. */
    private static String twilioSignature(Map<String, String> form) throws Exception {
        StringBuilder data = new StringBuilder("http://127.0.0.1:" + DISPATCH_PORT + "/v1/sms/inbound");
        new java.util.TreeMap<>(form).forEach((k, v) -> data.append(k).append(v));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(TWILIO_TOKEN.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        return java.util.Base64.getEncoder()
                .encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
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
