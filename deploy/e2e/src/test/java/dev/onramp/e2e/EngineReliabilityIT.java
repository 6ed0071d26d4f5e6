package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.FreePorts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.PostgresService;
import dev.onramp.infra.ServiceProcess;
import dev.onramp.infra.TopicReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine killed with SIGKILL while it works, and two engines sharing partitions and timers. The journey sends
 * every user exactly two messages (a nudge at once, a reminder 2 s later): afterwards every user has exactly those
 * two decisions, no more and no fewer, and message-dispatch delivered each once.
 */
class EngineReliabilityIT {

    static final Path ROOT =
            Path.of(System.getProperty("onramp.root", "../..")).toAbsolutePath().normalize();
    static final Path JOURNEYS = Path.of("src/test/resources/reliability").toAbsolutePath();
    static final Path LOGS = Path.of("target/e2e-logs").toAbsolutePath();
    static final int USERS = 5_000;

    final List<ServiceProcess> started = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        started.reversed().forEach(ServiceProcess::close);
    }

    ServiceProcess engine(String name) {
        PostgresService postgres = Infra.postgres();
        ServiceProcess engine = new ServiceProcess(
                name,
                ServiceProcess.jarOf(ROOT, "journey-engine/service"),
                FreePorts.find(),
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        Infra.kafka().bootstrapServers(),
                        "QUARKUS_DATASOURCE_JDBC_URL",
                        postgres.jdbcUrl(),
                        "QUARKUS_DATASOURCE_USERNAME",
                        postgres.username(),
                        "QUARKUS_DATASOURCE_PASSWORD",
                        postgres.password(),
                        "ONRAMP_ENGINE_JOURNEYS_DIR",
                        JOURNEYS.toString(),
                        "ONRAMP_ENGINE_TOPICS_GROUP",
                        "reliability-engine",
                        "ONRAMP_ENGINE_ADMIN_TOKEN",
                        LocalSecrets.ADMIN_TOKEN),
                LOGS.resolve(name + ".log"),
                List.of("-Xmx256m"));
        started.add(engine);
        return engine;
    }

    ServiceProcess dispatch() {
        PostgresService postgres = Infra.postgres();
        ServiceProcess dispatch = new ServiceProcess(
                "reliability-dispatch",
                ServiceProcess.jarOf(ROOT, "message-dispatch/service"),
                FreePorts.find(),
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        Infra.kafka().bootstrapServers(),
                        "QUARKUS_DATASOURCE_JDBC_URL",
                        postgres.jdbcUrl(),
                        "QUARKUS_DATASOURCE_USERNAME",
                        postgres.username(),
                        "QUARKUS_DATASOURCE_PASSWORD",
                        postgres.password(),
                        "QUARKUS_MAILER_PORT",
                        Integer.toString(Infra.smtp().smtpPort()),
                        "ONRAMP_DISPATCH_TEMPLATES_DIR",
                        JOURNEYS.resolve("templates").toString(),
                        "ONRAMP_DISPATCH_TOPICS_GROUP",
                        "reliability-dispatch",
                        "ONRAMP_DISPATCH_ADMIN_TOKEN",
                        LocalSecrets.ADMIN_TOKEN,
                        "ONRAMP_DISPATCH_INBOX_SECRET",
                        LocalSecrets.INBOX_SECRET,
                        "ONRAMP_DISPATCH_LINKS_SECRET",
                        LocalSecrets.LINKS_SECRET),
                LOGS.resolve("reliability-dispatch.log"),
                List.of("-Xmx256m"));
        started.add(dispatch);
        return dispatch;
    }

    @Test
    void anEngineKilledWhileItWorksLosesNothingAndDecidesNothingTwice() throws Exception {
        String run = "crash-" + System.currentTimeMillis() + "-";
        ServiceProcess dispatch = dispatch().start();
        ServiceProcess engine = engine("crashing-engine").start();
        engine.awaitReady(Duration.ofSeconds(120));
        dispatch.awaitReady(Duration.ofSeconds(120));

        signUp(run, USERS);
        for (int kill = 1; kill <= 2; kill++) {
            // Killed while it works: once it has enrolled a third, then two thirds, of the users.
            long enrolled = kill * USERS / 3;
            await().atMost(Duration.ofSeconds(120)).until(() -> enrollments(run) >= enrolled);
            engine.kill();
            engine.start().awaitReady(Duration.ofSeconds(120));
        }

        assertEveryUserGotExactlyTwoMessagesOnce(run, USERS);
    }

    @Test
    void twoEnginesShareTheWorkAndOneTakesOverWhenTheOtherDies() throws Exception {
        String run = "pair-" + System.currentTimeMillis() + "-";
        ServiceProcess dispatch = dispatch().start();
        ServiceProcess first = engine("engine-a").start();
        ServiceProcess second = engine("engine-b").start();
        first.awaitReady(Duration.ofSeconds(120));
        second.awaitReady(Duration.ofSeconds(120));
        dispatch.awaitReady(Duration.ofSeconds(120));

        signUp(run, USERS);
        await().atMost(Duration.ofSeconds(120)).until(() -> enrollments(run) >= USERS / 2);
        second.kill();

        assertEveryUserGotExactlyTwoMessagesOnce(run, USERS);
    }

    private static void signUp(String run, int users) throws Exception {
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
            for (int i = 0; i < users; i++) {
                String user = run + i;
                producer.send(new ProducerRecord<>("onramp.events", user, """
                        {"type":"track","messageId":"%1$s-m","userId":"%1$s","anonymousId":null,"event":"Signed Up","properties":{},
                         "traits":{},"context":{},"timestamp":"%2$s","receivedAt":"%2$s","sourceId":"test"}""".formatted(user, Instant.now())));
            }
            producer.flush();
        }
    }

    private static long distinctIds(List<ConsumerRecord<String, String>> requests) {
        return requests.stream()
                .map(r -> r.key() + " " + TopicReader.messageIdOf(r.value()))
                .distinct()
                .count();
    }

    private static void assertEveryUserGotExactlyTwoMessagesOnce(String run, int users) throws Exception {
        // Counted by distinct message id: records written again after a crash must not make the wait end early.
        try {
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> distinctIds(TopicReader.all(
                                    Infra.kafka().bootstrapServers(),
                                    "onramp.message-requests",
                                    r -> r.key() != null && r.key().startsWith(run),
                                    Duration.ZERO))
                            >= 2L * users);
        } catch (ConditionTimeoutException e) {
            // the assertions below say what is missing
        }
        // Wait for stragglers: duplicates, if any, would arrive now.
        List<ConsumerRecord<String, String>> requests = TopicReader.all(
                Infra.kafka().bootstrapServers(),
                "onramp.message-requests",
                r -> r.key() != null && r.key().startsWith(run),
                Duration.ofSeconds(5));

        Map<String, Set<String>> idsByUser = requests.stream()
                .collect(Collectors.groupingBy(
                        ConsumerRecord::key,
                        Collectors.mapping(r -> TopicReader.messageIdOf(r.value()), Collectors.toSet())));
        long records = requests.size();
        long distinct = idsByUser.values().stream().mapToLong(Set::size).sum();
        System.out.printf(
                "%s: %d users, %d message requests (%d distinct ids, %d records written again after a crash)%n",
                run, idsByUser.size(), records, distinct, records - distinct);

        assertThat(idsByUser).as("users with message requests").hasSize(users);
        assertThat(idsByUser.values())
                .as("each user decided exactly a nudge and a reminder")
                .allSatisfy(ids -> assertThat(ids).hasSize(2));

        // message-dispatch stores by message id: each message is in the inbox once.
        String perUser =
                "SELECT n, count(*) FROM (SELECT count(*) AS n FROM dispatch.inbox_messages WHERE user_id LIKE ?"
                        + " GROUP BY user_id) AS u GROUP BY n";
        try {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> Rows.grouped(perUser, run, Long.class).getOrDefault(2L, 0L) == users);
        } catch (ConditionTimeoutException e) {
            // the assertion below says what is missing
        }
        Map<Long, Long> histogram = Rows.grouped(perUser, run, Long.class);
        assertThat(histogram).as("users by number of inbox messages").isEqualTo(Map.of(2L, (long) users));
    }

    private static long enrollments(String run) throws Exception {
        return Rows.count("SELECT count(*) FROM engine.enrollments WHERE user_id LIKE ?", run);
    }
}
