package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.FreePorts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.PostgresService;
import dev.onramp.infra.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * message-dispatch killed with SIGKILL, twice, while it delivers in-app messages and emails, then started again.
 * Nothing is lost: every message reaches its user. In-app messages are stored in the transaction that claims them,
 * so none is stored twice. An email whose SMTP conversation was under way at the kill is sent again after the lease,
 * with the same Message-ID, because SMTP gives no way to ask whether a message arrived; so is one that finished but
 * whose outcome was not yet recorded. The test counts those and bounds them by what the send threads may have started
 * and not yet seen recorded at each kill: twice the email concurrency.
 */
class DispatchReliabilityIT {

    static final Path JOURNEYS = EngineReliabilityIT.JOURNEYS;
    static final Path LOGS = EngineReliabilityIT.LOGS;
    static final int IN_APP = 3_000;
    static final int EMAILS = 1_500;
    static final int EMAIL_CONCURRENCY = 8;
    static final int KILLS = 2;
    static final String INBOX = "SELECT count(*) FROM dispatch.inbox_messages WHERE user_id LIKE ?";

    ServiceProcess dispatch;

    @AfterEach
    void stop() {
        if (dispatch != null) {
            dispatch.close();
        }
    }

    @Test
    void aDispatcherKilledWhileItSendsLosesNothingAndStoresNothingTwice() throws Exception {
        String run = "dkill-" + System.currentTimeMillis() + "-";
        PostgresService postgres = Infra.postgres();
        dispatch = new ServiceProcess(
                "killed-dispatch",
                ServiceProcess.jarOf(EngineReliabilityIT.ROOT, "message-dispatch/service"),
                FreePorts.find(),
                LocalSecrets.dispatch(Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS", Infra.kafka().bootstrapServers(),
                        "QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(),
                        "QUARKUS_DATASOURCE_USERNAME", postgres.username(),
                        "QUARKUS_DATASOURCE_PASSWORD", postgres.password(),
                        "QUARKUS_MAILER_PORT", Integer.toString(Infra.smtp().smtpPort()),
                        "ONRAMP_DISPATCH_TEMPLATES_DIR",
                                JOURNEYS.resolve("templates").toString(),
                        "ONRAMP_DISPATCH_TOPICS_GROUP", "dispatch-kill",
                        "ONRAMP_DISPATCH_EMAIL_CONCURRENCY", Integer.toString(EMAIL_CONCURRENCY),
                        // Sends left 'sending' by the killed instance are tried again after this.
                        "ONRAMP_DISPATCH_DELIVERY_SENDING_LEASE", "15s",
                        "ONRAMP_DISPATCH_DELIVERY_QUEUE_LEASE", "6s")),
                LOGS.resolve("killed-dispatch.log"),
                List.of("-Xmx256m"));
        dispatch.start().awaitReady(Duration.ofSeconds(120));

        request(run);
        for (int kill = 1; kill <= KILLS; kill++) {
            // Killed while it works: once a third, then two thirds, of the in-app messages are stored.
            long stored = kill * IN_APP / (KILLS + 1);
            await().atMost(Duration.ofSeconds(120)).until(() -> Rows.count(INBOX, run) >= stored);
            dispatch.kill();
            dispatch.start().awaitReady(Duration.ofSeconds(120));
        }

        try {
            await().atMost(Duration.ofSeconds(240))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> mailsById(run).size() == EMAILS && Rows.count(INBOX, run) == IN_APP);
        } catch (ConditionTimeoutException e) {
            // the assertions below say what is missing
        }
        Map<String, Long> mails = mailsById(run);
        long inbox = Rows.count(INBOX, run);
        Map<String, Long> statuses = Rows.grouped(
                "SELECT status, count(*) FROM dispatch.deliveries WHERE user_id LIKE ? GROUP BY status",
                run,
                String.class);
        long sentAgain = mails.values().stream().mapToLong(n -> n - 1).sum();
        System.out.printf(
                "dispatch killed %d times: %d in-app messages stored (of %d), %d emails arrived (of %d), %d sent again"
                        + " with the same Message-ID; deliveries by status %s%n",
                KILLS, inbox, IN_APP, mails.size(), EMAILS, sentAgain, statuses);

        assertThat(inbox)
                .as("in-app messages stored, each once (the key is the message id)")
                .isEqualTo(IN_APP);
        assertThat(mails).as("distinct emails that arrived").hasSize(EMAILS);
        assertThat(statuses).as("deliveries by status").isEqualTo(Map.of("delivered", (long) IN_APP, "sent", (long)
                EMAILS));
        assertThat(sentAgain)
                .as("emails sent twice: only those started and not yet recorded at a kill")
                .isLessThanOrEqualTo(2L * EMAIL_CONCURRENCY * KILLS);
    }

    private static void request(String run) {
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
            Instant now = Instant.now();
            for (int i = 0; i < IN_APP + EMAILS; i++) {
                String user = run + i;
                String channel = i % 3 == 2 ? "email" : "in_app"; // one in three: EMAILS of them
                producer.send(new ProducerRecord<>("onramp.message-requests", user, """
                        {"messageId":"%1$s-msg","journey":"ping","journeyVersion":1,"step":"ping","kind":"nudge","ordinal":0,
                         "channel":"%3$s","fallbackChannels":[],"template":"ping","locale":null,
                         "user":{"id":"%1$s","traits":{"email":"%1$s@example.com"}},"context":{},"notBefore":"%2$s","createdAt":"%2$s"}""".formatted(user, now, channel)));
            }
            producer.flush();
        }
    }

    /** The run's emails that arrived, by Message-ID, with how many times each did. */
    private static Map<String, Long> mailsById(String run) {
        return Infra.smtp().allMails().stream()
                .filter(m -> m.to().stream().anyMatch(t -> t.startsWith(run)))
                .collect(Collectors.groupingBy(m -> m.header("Message-ID"), Collectors.counting()));
    }
}
