package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A broadcast to thousands of users while the engine that fans it out is killed with SIGKILL mid-send and started
 * again: afterwards every recipient has the broadcast exactly once — counted over the inbox (in-app) and the mail
 * server (email) — the broadcast's counts add up, and dispatch's reports come back into its funnel.
 */
class BroadcastReliabilityIT {

    static final Path JOURNEYS = Path.of("src/test/resources/reliability").toAbsolutePath();
    static final Path LOGS = Path.of("target/e2e-logs/broadcast").toAbsolutePath();
    static final int USERS = 3_000;
    static final int EMAILS = USERS / 3;
    static final ObjectMapper JSON = new ObjectMapper();

    final HttpClient http = HttpClient.newHttpClient();
    ThreeServices services;

    @AfterEach
    void stop() {
        if (services != null) {
            services.close();
        }
    }

    @Test
    void aBroadcastWhoseFanOutIsKilledMidSendReachesEveryRecipientExactlyOnce() throws Exception {
        String run = "bcast-" + System.currentTimeMillis() + "-";
        services = ThreeServices.start("broadcast", JOURNEYS, LOGS, FreePorts.find(), Map.of(), Map.of());
        identify(run);
        await().atMost(Duration.ofSeconds(120))
                .until(() -> Rows.count("SELECT count(*) FROM engine.profiles WHERE user_id LIKE ?", run) == USERS);

        // Paced, so that the kill lands in the middle of the send.
        HttpResponse<String> created = admin("POST", "/v1/broadcasts", """
                {"name": "Incident notice", "audience": {"where": "user.traits.run == '%s'"},
                 "channels": ["email", "in_app"], "template": "ping", "priority": "urgent", "category": "security",
                 "rate": 400}""".formatted(run));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asText();

        await().atMost(Duration.ofSeconds(60)).until(() -> sent(id) >= USERS / 3);
        long sentBeforeKill = sent(id);
        services.engine.kill();
        services.engine.start().awaitReady(Duration.ofSeconds(120));
        System.out.printf("%s: engine killed with %d of %d recipients sent%n", run, sentBeforeKill, USERS);
        assertThat(sentBeforeKill).as("killed mid-send").isLessThan(USERS);

        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> view(id).get("state").asText().equals("sent"));
        JsonNode done = view(id);
        assertThat(done.at("/counts/audience").asLong()).isEqualTo(USERS);
        assertThat(done.at("/counts/sent").asLong()).isEqualTo(USERS);
        assertThat(done.at("/sentBy/email").asLong()).isEqualTo(EMAILS);
        assertThat(done.at("/sentBy/in_app").asLong()).isEqualTo(USERS - EMAILS);

        // The ledger: one message request per user (by distinct id), one inbox message or one email each.
        List<ConsumerRecord<String, String>> requests = TopicReader.all(
                Infra.kafka().bootstrapServers(),
                "onramp.message-requests",
                r -> r.key() != null && r.key().startsWith(run),
                Duration.ofSeconds(3));
        Map<String, Set<String>> idsByUser = requests.stream()
                .collect(Collectors.groupingBy(
                        ConsumerRecord::key,
                        Collectors.mapping(r -> TopicReader.messageIdOf(r.value()), Collectors.toSet())));
        System.out.printf(
                "%s: %d message requests for %d users (%d written again after the kill)%n",
                run, requests.size(), idsByUser.size(), requests.size() - idsByUser.size());
        assertThat(idsByUser).hasSize(USERS);
        assertThat(idsByUser.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));

        String perUser = "SELECT n, count(*) FROM (SELECT count(*) AS n FROM dispatch.inbox_messages"
                + " WHERE user_id LIKE ? GROUP BY user_id) AS u GROUP BY n";
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> Rows.grouped(perUser, run, Long.class).getOrDefault(1L, 0L) == USERS - EMAILS
                        && mailsByRecipient(run).size() == EMAILS);
        assertThat(Rows.grouped(perUser, run, Long.class)).isEqualTo(Map.of(1L, (long) (USERS - EMAILS)));
        Map<String, Long> mails = mailsByRecipient(run);
        assertThat(mails).hasSize(EMAILS);
        assertThat(mails.values()).allSatisfy(n -> assertThat(n).isEqualTo(1L));

        // Dispatch's reports reach the broadcast's funnel.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> view(id).at("/funnel/delivered").asLong() >= USERS - EMAILS);
    }

    private long sent(String id) throws Exception {
        return view(id).at("/counts/sent").asLong();
    }

    private JsonNode view(String id) throws Exception {
        HttpResponse<String> response = admin("GET", "/v1/broadcasts/" + id, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(services.engine.url() + path))
                        .header("Authorization", "Bearer " + LocalSecrets.ADMIN_TOKEN)
                        .header("Content-Type", "application/json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Users of the run: one in three with an email address (reached by email), the others in-app only. */
    private static void identify(String run) {
        try (var producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        Infra.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < USERS; i++) {
                String user = run + i;
                String traits = i % 3 == 0
                        ? "{\"run\":\"%s\",\"email\":\"%s@example.com\"}".formatted(run, user)
                        : "{\"run\":\"%s\"}".formatted(run);
                producer.send(new ProducerRecord<>("onramp.events", user, """
                        {"type":"identify","messageId":"%1$s-id","userId":"%1$s","anonymousId":null,"properties":{},
                         "traits":%2$s,"context":{},"timestamp":"%3$s","receivedAt":"%3$s","sourceId":"test"}""".formatted(user, traits, Instant.now())));
            }
            producer.flush();
        }
    }

    /** The run's emails that arrived, by recipient, with how many each got. */
    private static Map<String, Long> mailsByRecipient(String run) {
        return Infra.smtp().allMails().stream()
                .flatMap(m -> m.to().stream())
                .filter(to -> to.startsWith(run))
                .collect(Collectors.groupingBy(to -> to, Collectors.counting()));
    }
}
