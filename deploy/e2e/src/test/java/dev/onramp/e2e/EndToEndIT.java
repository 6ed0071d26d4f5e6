package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three packaged services as separate processes, configured through environment variables, on real Kafka,
 * PostgreSQL and SMTP: a tracked event, the journey's delay, then the in-app message and the email.
 */
class EndToEndIT {

    static final String INBOX_SECRET = LocalSecrets.INBOX_SECRET;
    static final String ADMIN_TOKEN = LocalSecrets.ADMIN_TOKEN;
    static final Path JOURNEYS = Path.of("src/test/resources/journeys").toAbsolutePath();
    static final Path LOGS = Path.of("target/e2e-logs").toAbsolutePath();

    /** message-dispatch's metrics are on a port of their own; the other services keep them on the main port. */
    static final int DISPATCH_METRICS_PORT = FreePorts.find();

    static ThreeServices services;
    static ServiceProcess ingest;
    static ServiceProcess engine;
    static ServiceProcess dispatch;
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startTheServices() {
        services = ThreeServices.start(
                "e2e",
                JOURNEYS,
                LOGS,
                FreePorts.find(),
                Map.of(),
                Map.of("ONRAMP_METRICS_PORT", Integer.toString(DISPATCH_METRICS_PORT)));
        ingest = services.ingest;
        engine = services.engine;
        dispatch = services.dispatch;
    }

    @AfterAll
    static void stopTheServices() {
        if (services != null) {
            services.close();
        }
    }

    /**
     * The pipeline's tables (outbox, consumer offsets, erasure tombstones) are what pipeline/'s code reads and writes in
     * both services, so each service's migrations must define them alike: same columns, types, defaults, nullability and
     * indexes, as migrated.
     */
    @Test
    void bothServicesDefineThePipelinesTablesIdentically() throws Exception {
        for (String table : List.of("outbox", "consumer_offsets", "erasures")) {
            String columns =
                    "SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(replace(column_default, table_schema || '.', ''), '')"
                            + " FROM information_schema.columns WHERE table_schema = ? AND table_name = '" + table + "'"
                            + " ORDER BY ordinal_position";
            String indexes = "SELECT replace(indexdef, ' ' || schemaname || '.', ' ') FROM pg_indexes"
                    + " WHERE schemaname = ? AND tablename = '" + table + "' ORDER BY indexname";

            assertThat(Rows.column(columns, "engine"))
                    .as(table + " columns")
                    .isNotEmpty()
                    .isEqualTo(Rows.column(columns, "dispatch"));
            assertThat(Rows.column(indexes, "engine"))
                    .as(table + " indexes")
                    .isEqualTo(Rows.column(indexes, "dispatch"));
        }
    }

    @Test
    void aTrackedEventBecomesAnInAppMessageAfterTheDelayThenTheNextStepAnEmail() throws Exception {
        String user = "e2e-" + UUID.randomUUID();
        String address = user + "@example.com";
        post(
                "/v1/identify",
                "{\"userId\":\"" + user + "\",\"traits\":{\"email\":\"" + address + "\",\"firstName\":\"Ada\"}}");
        Instant signedUp = Instant.now();
        post("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"Signed Up\"}");

        JsonNode message = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> firstInboxMessage(user), m -> m != null);
        Instant arrived = Instant.now();
        assertThat(message.get("title").asText()).isEqualTo("Welcome aboard, Ada");
        assertThat(message.get("action").get("label").asText()).isEqualTo("Take the tour");
        // The nudge waits for its 2 s delay: it cannot be in the inbox sooner.
        assertThat(Duration.between(signedUp, arrived)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(Infra.smtp().mailsTo(address))
                .as("no email before its step is next")
                .isEmpty();

        post("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"Welcome Read\"}");
        ReceivedMail mail = await().atMost(Duration.ofSeconds(60))
                .until(() -> Infra.smtp().mailsTo(address), mails -> !mails.isEmpty())
                .getFirst();
        assertThat(mail.subject()).isEqualTo("Please verify " + address);
        assertThat(mail.text()).contains("Hi Ada");

        JsonNode explained =
                json.readTree(get(engine.url() + "/v1/users/" + user + "/journeys", "Bearer " + ADMIN_TOKEN)
                        .body());
        JsonNode journey = explained.get("journeys").get(0);
        assertThat(journey.get("journey").asText()).isEqualTo("e2e-onboarding");
        assertThat(journey.get("sent")).hasSize(2);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode sent = json.readTree(get(engine.url() + "/v1/users/" + user + "/journeys", "Bearer " + ADMIN_TOKEN)
                            .body())
                    .get("journeys")
                    .get(0)
                    .get("sent");
            // Dispatch's delivery events made it back to the engine.
            assertThat(sent.get(0).get("status").asText()).isEqualTo("delivered");
            assertThat(sent.get(1).get("status").asText()).isEqualTo("sent");
        });
    }

    @Test
    void aVisitorWhoSignsUpGetsTheJourneyTheyBeganAnonymouslyByEmail() throws Exception {
        String visitor = "visitor-" + UUID.randomUUID();
        String user = "e2e-" + UUID.randomUUID();
        String address = user + "@example.com";
        signUp(visitor, user, address);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode explained = explain(user);
            assertThat(explained.get("joinedIds")).extracting(JsonNode::asText).containsExactly(visitor);
            assertThat(explained.at("/journeys/0/journey").asText()).isEqualTo("e2e-onboarding");
        });

        // The open tab still sends with the anonymousId only: it is the user's, and the next step reaches their email.
        post("/v1/track", "{\"anonymousId\":\"" + visitor + "\",\"event\":\"Welcome Read\"}");
        ReceivedMail mail = await().atMost(Duration.ofSeconds(60))
                .until(() -> Infra.smtp().mailsTo(address), mails -> !mails.isEmpty())
                .getFirst();
        assertThat(mail.subject()).isEqualTo("Please verify " + address);
        assertThat(explain(visitor).get("userId").asText()).isEqualTo(user);
    }

    @Test
    void erasingAUserLeavesNoRowWithTheirIdsOrAddressInEitherService() throws Exception {
        // Given a visitor who signed up: a joined anonymous id, a journey, an in-app message and an email
        String visitor = "visitor-" + UUID.randomUUID();
        String user = "erase-" + UUID.randomUUID();
        String address = user + "@example.com";
        signUp(visitor, user, address);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> firstInboxMessage(user), m -> m != null);
        post("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"Welcome Read\"}");
        await().atMost(Duration.ofSeconds(60)).until(() -> Infra.smtp().mailsTo(address), mails -> !mails.isEmpty());
        // (dispatch's reports of both messages applied by the engine: everything about the user has settled)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                        explain(user).at("/journeys/0/sent/1/status").asText())
                .isEqualTo("sent"));
        List<String> texts = List.of(user, visitor, address);
        assertThat(ErasureRows.holding(List.of("engine", "dispatch"), texts))
                .as("what the test then looks for is there before the erasure")
                .anyMatch(row -> row.startsWith("engine.profiles."))
                .anyMatch(row -> row.startsWith("engine.decisions."))
                .anyMatch(row -> row.startsWith("dispatch.deliveries."))
                .anyMatch(row -> row.startsWith("dispatch.inbox_messages."));

        // When an operator erases the user with the CLI (which waits for the engine to have applied it)
        java.nio.file.Path token = java.nio.file.Files.createTempFile("admin-token", "");
        java.nio.file.Files.writeString(token, ADMIN_TOKEN);
        assertThat(dev.onramp.cli.Onramp.run("erase", user, "--engine", engine.url(), "--token-file", token.toString()))
                .isZero();
        java.nio.file.Files.delete(token);

        // Then both services apply it, and no row of either schema holds their ids or their address
        assertThat(get(engine.url() + "/v1/users/" + user + "/erasure", "Bearer " + ADMIN_TOKEN)
                        .statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(ErasureRows.holding(List.of("engine", "dispatch"), texts))
                        .isEmpty());
        assertThat(get(engine.url() + "/v1/users/" + user + "/journeys", "Bearer " + ADMIN_TOKEN)
                        .statusCode())
                .isEqualTo(404);
        assertThat(firstInboxMessage(user)).isNull();
    }

    @Test
    void aBroadcastFileIsSentOnceByTheCliHoweverOftenItIsSent() throws Exception {
        String user = "file-" + UUID.randomUUID();
        signUp("visitor-" + UUID.randomUUID(), user, user + "@example.com");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> firstInboxMessage(user), m -> m != null);
        String name = "Maintenance " + UUID.randomUUID();
        java.nio.file.Path folder = java.nio.file.Files.createTempDirectory("broadcast-file");
        java.nio.file.Path file = folder.resolve("maintenance.yaml");
        String yaml = """
                # Sent by hand: onramp broadcast send %s
                name: %s
                audience:
                  users: [%s]
                channels: [in_app]
                priority: product
                category: product
                content:
                  in_app:
                    title: Maintenance tonight
                    body: "Onramp is read-only from 22:00 to 22:30 UTC; nothing you write is lost."
                """.formatted(file, name, user);
        java.nio.file.Files.writeString(file, yaml);
        java.nio.file.Path token = java.nio.file.Files.createTempFile("admin-token", "");
        java.nio.file.Files.writeString(token, ADMIN_TOKEN);
        String[] send = {
            "broadcast",
            "send",
            file.toString(),
            "--journeys",
            JOURNEYS.toString(),
            "--engine",
            engine.url(),
            "--token-file",
            token.toString()
        };

        assertThat(dev.onramp.cli.Onramp.run(send)).isZero();
        // Sent again, and again with its comment changed and its lines re-indented: the same broadcast.
        assertThat(dev.onramp.cli.Onramp.run(send)).isZero();
        java.nio.file.Files.writeString(
                file, yaml.replace("# Sent by hand", "# Sent at 21:00 by Ada").replace("    title", "    title"));
        assertThat(dev.onramp.cli.Onramp.run(send)).isZero();
        java.nio.file.Files.delete(token);

        JsonNode page = json.readTree(get(engine.url() + "/v1/broadcasts?limit=500", "Bearer " + ADMIN_TOKEN)
                .body());
        List<JsonNode> mine = new java.util.ArrayList<>();
        page.get("broadcasts").forEach(b -> {
            if (b.get("name").asText().equals(name)) {
                mine.add(b);
            }
        });
        assertThat(mine).hasSize(1);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(inboxTitles(user)).containsOnlyOnce("Maintenance tonight"));
    }

    /** The titles of the user's inbox messages, newest first. */
    private List<String> inboxTitles(String user) throws Exception {
        JsonNode inbox =
                json.readTree(get(dispatch.url() + "/v1/inbox/" + user + "/messages?userHash=" + hash(user), null)
                        .body());
        List<String> titles = new java.util.ArrayList<>();
        inbox.get("messages").forEach(m -> titles.add(m.path("title").asText()));
        return titles;
    }

    /** A sign-up form: it tracks first, under the browser's anonymousId, then identifies the new user (two partitions). */
    private void signUp(String visitor, String user, String address) throws Exception {
        post("/v1/track", "{\"anonymousId\":\"" + visitor + "\",\"event\":\"Signed Up\"}");
        post(
                "/v1/identify",
                "{\"userId\":\"" + user + "\",\"anonymousId\":\"" + visitor + "\",\"traits\":{\"email\":\"" + address
                        + "\",\"firstName\":\"Ada\"}}");
    }

    private JsonNode explain(String user) throws Exception {
        return json.readTree(get(engine.url() + "/v1/users/" + user + "/journeys", "Bearer " + ADMIN_TOKEN)
                .body());
    }

    @Test
    void refusesAnEventWithoutAValidWriteKey() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(ingest.url() + "/v1/track"))
                        .header(
                                "Authorization",
                                "Basic "
                                        + Base64.getEncoder().encodeToString("wrong:".getBytes(StandardCharsets.UTF_8)))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"u\",\"event\":\"Signed Up\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    }

    @Test
    void metricsCanLeaveTheMainPort() throws Exception {
        assertThat(get(dispatch.url() + "/q/metrics", null).statusCode()).isEqualTo(404);
        HttpResponse<String> metrics = get("http://127.0.0.1:" + DISPATCH_METRICS_PORT + "/q/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("# TYPE jvm_memory_committed_bytes", "client_id=\"message-dispatch-requests\"");
        assertThat(get(dispatch.url() + "/q/health/ready", null).statusCode())
                .as("health stays where probes look")
                .isEqualTo(200);
        assertThat(get(engine.url() + "/q/metrics", null).statusCode()).isEqualTo(200);
    }

    @Test
    void messageDispatchLetsNoOtherOriginCallTheInboxUnlessConfigured() throws Exception {
        // A page of another site asks whether it may read an inbox (the production default names no origin).
        HttpResponse<String> preflight = http.send(
                HttpRequest.newBuilder(URI.create(dispatch.url() + "/v1/inbox/u-1/messages"))
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                        .header("Origin", "https://evil.example.com")
                        .header("Access-Control-Request-Method", "GET")
                        .header("Access-Control-Request-Headers", "X-Onramp-User-Hash")
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
                .as(
                        "status %d, headers %s",
                        preflight.statusCode(), preflight.headers().map())
                .isEmpty();
    }

    private JsonNode firstInboxMessage(String user) throws Exception {
        HttpResponse<String> response =
                get(dispatch.url() + "/v1/inbox/" + user + "/messages?userHash=" + hash(user), null);
        JsonNode messages = json.readTree(response.body()).get("messages");
        return messages == null || messages.isEmpty() ? null : messages.get(0);
    }

    private void post(String path, String body) throws Exception {
        services.post(path, body);
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String hash(String user) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(INBOX_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
    }
}
