package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.ServiceProcess;
import dev.onramp.infra.SlowSmtpServer;
import dev.onramp.infra.TopicReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What goes wrong in production, on the three packaged services: poison among normal traffic, PostgreSQL and the
 * Kafka broker restarted under load, a gap in the log, and two dispatchers sharing a slow, rate-limited mail server.
 * Each test keeps a ledger of what was accepted and proves that every accepted user got exactly their message, once,
 * and that what could not be processed is parked with its reason.
 *
 * <p>The broker and PostgreSQL here are processes of this test alone (the other end-to-end tests share the in-JVM
 * ones), so that they can be stopped and started again on the same data and ports.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceIT {

    static final Path ROOT = ThreeServices.ROOT;
    static final Path JOURNEYS = Path.of("src/test/resources/faults").toAbsolutePath();
    static final Path LOGS = Path.of("target/e2e-logs").toAbsolutePath();
    static final String WRITE_KEY = LocalSecrets.writeKey("fault");
    static final String ADMIN_TOKEN = LocalSecrets.ADMIN_TOKEN;

    static Path data;
    static KafkaProcess kafka;
    static int postgresPort;
    static EmbeddedPostgresServer postgres;
    static ServiceProcess ingest;
    static ServiceProcess engine;
    static ServiceProcess dispatch;
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startTheStack() throws IOException {
        data = Files.createTempDirectory("onramp-faults");
        kafka = KafkaProcess.start(
                data.resolve("kafka"), FreePorts.find(), FreePorts.find(), LOGS.resolve("fault-kafka.log"));
        postgresPort = FreePorts.find();
        startPostgres();
        List<String> jvm = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");
        ingest = new ServiceProcess(
                "fault-ingest",
                ServiceProcess.jarOf(ROOT, "event-ingest"),
                FreePorts.find(),
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        kafka.bootstrapServers(),
                        "ONRAMP_INGEST_SOURCES_FAULT_WRITE_KEY",
                        WRITE_KEY),
                LOGS.resolve("fault-ingest.log"),
                jvm);
        engine = new ServiceProcess(
                "fault-engine",
                ServiceProcess.jarOf(ROOT, "journey-engine/service"),
                FreePorts.find(),
                with(
                        database("postgres"),
                        Map.of(
                                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                                "ONRAMP_ENGINE_JOURNEYS_DIR", JOURNEYS.toString(),
                                "ONRAMP_ENGINE_ADMIN_TOKEN", ADMIN_TOKEN)),
                LOGS.resolve("fault-engine.log"),
                jvm);
        dispatch = dispatchProcess(
                "fault-dispatch",
                Map.of(
                        "QUARKUS_MAILER_PORT",
                        Integer.toString(Infra.smtp().smtpPort()),
                        "ONRAMP_DISPATCH_DELIVERY_QUEUE_LEASE",
                        "6s"),
                "postgres");
        for (ServiceProcess service : List.of(ingest, engine, dispatch)) {
            service.start();
        }
        for (ServiceProcess service : List.of(ingest, engine, dispatch)) {
            service.awaitReady(Duration.ofSeconds(120));
        }
    }

    @AfterAll
    static void stopTheStack() {
        for (ServiceProcess service : new ServiceProcess[] {dispatch, engine, ingest}) {
            if (service != null) {
                service.close();
            }
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    @Order(1)
    void poisonAmongNormalTrafficIsParkedAndEveryoneElseGetsTheirMessage() throws Exception {
        String run = "poison-" + System.currentTimeMillis() + "-";
        List<String> inApp = new ArrayList<>();
        List<String> byEmail = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String user = run + i;
            if (i % 2 == 0) {
                signUp(user, "{\"firstName\":\"U" + i + "\"}");
                inApp.add(user);
            } else {
                signUp(user, "{\"email\":\"" + user + "@example.com\",\"firstName\":\"U" + i + "\"}");
                byEmail.add(user);
            }
        }
        // Through event-ingest, a NUL is cleaned: the user is onboarded like anyone else.
        signUp(run + "nul-cleaned", "{\"nick\":\"a\\u0000b\"}");
        inApp.add(run + "nul-cleaned");
        // A first name with line breaks, rendered into a subject: one line, no extra header.
        String crlf = run + "crlf";
        signUp(crlf, "{\"email\":\"" + crlf + "@example.com\",\"firstName\":\"Ada\\r\\nBcc: evil@example.com\"}");
        // Straight to Kafka, past event-ingest: a NUL PostgreSQL refuses, a record that is not JSON, and traits far
        // over the profile limits.
        String nul = run + "nul-direct";
        String notJson = run + "not-json";
        String huge = run + "huge";
        produce("onramp.events", nul, event("identify", nul, "{\"nick\":\"a\\u0000b\"}"));
        produce("onramp.events", notJson, "{not json");
        produce("onramp.events", huge, event("identify", huge, "{\"essay\":\"" + "x".repeat(900_000) + "\"}"));
        produce("onramp.events", huge, event("track", huge, "{}"));
        inApp.add(huge);
        for (int i = 60; i < 100; i++) {
            signUp(run + i, "{\"firstName\":\"U" + i + "\"}");
            inApp.add(run + i);
        }

        assertEachHasOneInboxMessage(run, inApp);
        for (String user : byEmail) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> !Infra.smtp().mailsTo(user + "@example.com").isEmpty());
        }
        ReceivedMail mail = await().atMost(Duration.ofSeconds(60))
                .until(() -> Infra.smtp().mailsTo(crlf + "@example.com"), m -> !m.isEmpty())
                .getFirst();
        assertThat(mail.subject()).isEqualTo("Hi Ada Bcc: evil@example.com");
        assertThat(mail.header("Bcc")).isNull();
        assertThat(Infra.smtp().mailsTo("evil@example.com")).isEmpty();

        Map<String, String> parked = TopicReader.await(
                        kafka.bootstrapServers(),
                        "onramp.events.dlq",
                        r -> r.key() != null && r.key().startsWith(run),
                        2,
                        Duration.ofSeconds(60))
                .stream()
                .collect(Collectors.toMap(ConsumerRecord::key, r -> header(r, "onramp-dlq-reason")));
        System.out.printf("%s: parked %s%n", run, parked);
        assertThat(parked).containsOnlyKeys(nul, notJson);
        assertThat(parked.get(nul)).contains("22P05");
        assertThat(parked.get(notJson)).startsWith("not JSON");
        // Nothing arrives twice during a quiet moment.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String user : byEmail) {
                assertThat(Infra.smtp().mailsTo(user + "@example.com")).hasSize(1);
            }
        });
        assertThat(inboxCounts(run).values()).containsOnly(1L);
    }

    @Test
    @Order(2)
    void postgresStoppedUnderLoadStallsEveryoneUntilItIsBackAndLosesNothing() throws Exception {
        String run = "pg-" + System.currentTimeMillis() + "-";
        Load load = new Load(run, 300, 50).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.accepted().size() >= 50);

        postgres.close();
        Instant stopped = Instant.now();
        Map<String, Boolean> sawDown = watchReadiness(Duration.ofSeconds(10), engine, dispatch);
        startPostgres();
        System.out.printf(
                "%s: PostgreSQL down for %d ms; readiness DOWN seen %s%n",
                run, Duration.between(stopped, Instant.now()).toMillis(), sawDown);

        load.await();
        assertThat(sawDown).containsEntry("fault-engine", true).containsEntry("fault-dispatch", true);
        assertEachHasOneInboxMessage(run, load.accepted());
        assertThat(enrollmentCounts(run).values()).containsOnly(1L);
        engine.awaitReady(Duration.ofSeconds(60));
        dispatch.awaitReady(Duration.ofSeconds(60));
    }

    @Test
    @Order(3)
    void theBrokerRestartedUnderLoadStallsEveryoneUntilItIsBackAndLosesNothing() throws Exception {
        String run = "broker-" + System.currentTimeMillis() + "-";
        Load load = new Load(run, 300, 50).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.accepted().size() >= 50);

        kafka.stop();
        Instant stopped = Instant.now();
        Map<String, Boolean> sawDown = watchReadiness(Duration.ofSeconds(8), engine, dispatch);
        kafka.start();
        System.out.printf(
                "%s: broker down for %d ms; readiness DOWN seen %s%n",
                run, Duration.between(stopped, Instant.now()).toMillis(), sawDown);

        load.await();
        assertThat(sawDown).containsEntry("fault-engine", true).containsEntry("fault-dispatch", true);
        assertThat(load.accepted()).hasSize(300);
        assertEachHasOneInboxMessage(run, load.accepted());
        assertThat(enrollmentCounts(run).values()).containsOnly(1L);
    }

    @Test
    @Order(4)
    void aGapInTheLogIsPassedOverWithAWarningNeverLoopedOn() throws Exception {
        String run = "gap-" + System.currentTimeMillis() + "-";
        String before = run + "before";
        signUp(before, "{}");
        assertEachHasOneInboxMessage(run, List.of(before));

        engine.stop(Duration.ofSeconds(20));
        // While the engine is away, records arrive and retention deletes them: the offset the engine stored now
        // points below the start of the log.
        TopicPartition partition = new TopicPartition("onramp.events", 0);
        long end = 0;
        for (int i = 0; i < 20; i++) {
            String user = run + "deleted-" + i;
            end = produceTo(partition, user, event("track", user, "{}")).offset() + 1;
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(end)))
                    .all()
                    .get();
        }
        String after = run + "after";
        produceTo(partition, after, event("track", after, "{}"));
        engine.start().awaitReady(Duration.ofSeconds(120));

        assertEachHasOneInboxMessage(run + "after", List.of(after));
        assertThat(engine.tail(400)).contains("no readable record between offsets");
        signUp(run + "later", "{}");
        assertEachHasOneInboxMessage(run + "later", List.of(run + "later"));
    }

    @Test
    @Order(5)
    void twoDispatchersSharingASlowRateLimitedMailServerSendEachMessageOnce() throws Exception {
        String run = "pair-" + System.currentTimeMillis() + "-";
        try (Connection c = connect("postgres");
                var statement = c.createStatement()) {
            statement.execute("CREATE DATABASE pair");
        }
        int messages = 300;
        try (SlowSmtpServer smtp = new SlowSmtpServer(Duration.ofMillis(40), 40)) {
            Map<String, String> env = new HashMap<>(Map.of(
                    "QUARKUS_MAILER_PORT", Integer.toString(smtp.port()),
                    "ONRAMP_DISPATCH_TOPICS_MESSAGE_REQUESTS", "pair.message-requests",
                    "ONRAMP_DISPATCH_TOPICS_DELIVERY_EVENTS", "pair.delivery-events",
                    "ONRAMP_DISPATCH_TOPICS_GROUP", "pair-dispatch",
                    "ONRAMP_DISPATCH_EMAIL_CONCURRENCY", "4",
                    // Each waits its turn in its own rate limiter much longer than a lease lasts.
                    "ONRAMP_DISPATCH_EMAIL_RATE_LIMIT", "15",
                    "ONRAMP_DISPATCH_DELIVERY_SENDING_LEASE", "5s",
                    "ONRAMP_DISPATCH_DELIVERY_QUEUE_LEASE", "3s"));
            try (ServiceProcess first =
                            dispatchProcess("pair-dispatch-a", env, "pair").start();
                    ServiceProcess second =
                            dispatchProcess("pair-dispatch-b", env, "pair").start()) {
                first.awaitReady(Duration.ofSeconds(120));
                second.awaitReady(Duration.ofSeconds(120));
                // All at once: each instance claims its share and then waits for its rate limiter far longer than
                // a lease lasts.
                Set<String> ids = ConcurrentHashMap.newKeySet();
                try (var producer = producer()) {
                    for (int i = 0; i < messages; i++) {
                        String user = run + i;
                        String id = run + "m" + i;
                        ids.add("<" + id + "@onramp>");
                        producer.send(new ProducerRecord<>("pair.message-requests", user, request(id, user)));
                    }
                    producer.flush();
                }
                await().atMost(Duration.ofSeconds(120))
                        .until(() -> Set.copyOf(smtp.messageIds()).containsAll(ids));
                // Leases of the slowest sends run out now; anything sent twice would arrive meanwhile.
                await().during(Duration.ofSeconds(8))
                        .atMost(Duration.ofSeconds(20))
                        .until(() ->
                                smtp.messageIds().stream().filter(ids::contains).count() == messages);
                Map<String, Long> times = smtp.messageIds().stream()
                        .filter(ids::contains)
                        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                long twice = times.values().stream().filter(n -> n > 1).count();
                System.out.printf(
                        "%s: %d messages, %d received, %d more than once%n",
                        run, messages, smtp.messageIds().size(), twice);
                assertThat(times).hasSize(messages);
                assertThat(times.values()).containsOnly(1L);
            }
        }
    }

    // ---- the stack

    private static void startPostgres() {
        postgres = EmbeddedPostgresServer.start(data.resolve("postgres"), postgresPort, LOGS.resolve("fault-pg.log"));
    }

    private static ServiceProcess dispatchProcess(String name, Map<String, String> extra, String database) {
        Map<String, String> env = new HashMap<>(LocalSecrets.dispatch(database(database)));
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("QUARKUS_MAILER_HOST", "127.0.0.1");
        env.put("ONRAMP_DISPATCH_TEMPLATES_DIR", JOURNEYS.resolve("templates").toString());
        env.putAll(extra);
        return new ServiceProcess(
                name,
                ServiceProcess.jarOf(ROOT, "message-dispatch/service"),
                FreePorts.find(),
                env,
                LOGS.resolve(name + ".log"),
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"));
    }

    private static Map<String, String> database(String name) {
        return Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + postgresPort + "/" + name,
                "QUARKUS_DATASOURCE_USERNAME", "postgres",
                "QUARKUS_DATASOURCE_PASSWORD", "postgres");
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new LinkedHashMap<>(a);
        all.putAll(b);
        return all;
    }

    /** Polls the services' readiness for a while: whether each was seen DOWN. */
    private Map<String, Boolean> watchReadiness(Duration duration, ServiceProcess... services) throws Exception {
        Map<String, Boolean> down = new LinkedHashMap<>();
        for (ServiceProcess s : services) {
            down.put(s.name(), false);
        }
        Instant until = Instant.now().plus(duration);
        while (Instant.now().isBefore(until)) {
            for (ServiceProcess s : services) {
                try {
                    HttpResponse<Void> response = http.send(
                            HttpRequest.newBuilder(URI.create(s.url() + "/q/health/ready"))
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() == 503) {
                        down.put(s.name(), true);
                    }
                } catch (IOException e) {
                    // not answering is not what is measured here
                }
            }
            Thread.sleep(250);
        }
        return down;
    }

    // ---- traffic

    /** Signs users up through event-ingest at a steady rate, retrying each until it is accepted (200). */
    final class Load {
        private final String run;
        private final int users;
        private final int perSecond;
        private final List<String> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        private Thread thread;
        private volatile Exception failure;

        Load(String run, int users, int perSecond) {
            this.run = run;
            this.users = users;
            this.perSecond = perSecond;
        }

        Load start() {
            thread = Thread.ofPlatform().name("load-" + run).start(() -> {
                try {
                    for (int i = 0; i < users; i++) {
                        long due = System.nanoTime() + 1_000_000_000L / perSecond;
                        String user = run + i;
                        Instant giveUp = Instant.now().plusSeconds(90);
                        while (!trySignUp(user, "{}")) {
                            if (Instant.now().isAfter(giveUp)) {
                                throw new IllegalStateException(user + " was never accepted");
                            }
                            Thread.sleep(250);
                        }
                        accepted.add(user);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(Duration.ofNanos(wait));
                        }
                    }
                } catch (Exception e) {
                    failure = e;
                }
            });
            return this;
        }

        List<String> accepted() {
            return List.copyOf(accepted);
        }

        void await() throws Exception {
            thread.join(Duration.ofSeconds(240));
            if (failure != null) {
                throw failure;
            }
        }
    }

    private void signUp(String user, String traits) throws Exception {
        assertThat(trySignUp(user, traits))
                .as("sign-up of " + user + " accepted")
                .isTrue();
    }

    /** One batch call: identify with the traits, then "Signed Up"; true when event-ingest accepted it. */
    private boolean trySignUp(String user, String traits) throws InterruptedException {
        String body = """
                {"batch":[{"type":"identify","userId":"%1$s","traits":%2$s},
                          {"type":"track","userId":"%1$s","event":"Signed Up"}]}""".formatted(user, traits);
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(ingest.url() + "/v1/batch"))
                            .timeout(Duration.ofSeconds(15))
                            .header("Content-Type", "application/json")
                            .header(
                                    "Authorization",
                                    "Basic "
                                            + Base64.getEncoder()
                                                    .encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8)))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static String event(String type, String user, String json) {
        String field = type.equals("identify") ? "traits" : "properties";
        return """
                {"type":"%1$s","messageId":"%2$s-%1$s","userId":"%2$s","anonymousId":null,%3$s"%4$s":%5$s,
                 "context":{},"timestamp":"%6$s","receivedAt":"%6$s","sourceId":"fault"}""".formatted(
                        type, user, type.equals("track") ? "\"event\":\"Signed Up\"," : "", field, json, Instant.now());
    }

    private static String request(String messageId, String user) {
        return """
                {"messageId":"%1$s","journey":"greet","journeyVersion":1,"step":"say-hi","kind":"nudge","ordinal":0,
                 "channel":"email","fallbackChannels":[],"template":"greet","locale":null,
                 "user":{"id":"%2$s","traits":{"email":"%2$s@example.com"}},"context":{},"notBefore":"%3$s",
                 "createdAt":"%3$s"}""".formatted(messageId, user, Instant.now());
    }

    private static void produce(String topic, String key, String value) throws Exception {
        try (var producer = producer()) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static RecordMetadata produceTo(TopicPartition tp, String key, String value) throws Exception {
        try (var producer = producer()) {
            return producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), key, value))
                    .get();
        }
    }

    private static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        2_000_000),
                new StringSerializer(),
                new StringSerializer());
    }

    // ---- ledgers

    /** Every one of these users has exactly one message in their inbox (waits for them to arrive). */
    private static void assertEachHasOneInboxMessage(String run, List<String> users) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> inboxCounts(run).keySet().containsAll(users));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the assertion below says who is missing
        }
        Map<String, Long> counts = inboxCounts(run);
        List<String> missing =
                users.stream().filter(u -> !counts.containsKey(u)).toList();
        assertThat(missing).as("users without their message").isEmpty();
        Map<String, Long> twice = counts.entrySet().stream()
                .filter(e -> e.getValue() != 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(twice).as("users with more than one message").isEmpty();
    }

    private static Map<String, Long> inboxCounts(String run) throws Exception {
        return counts(
                "SELECT user_id, count(*) FROM dispatch.inbox_messages WHERE user_id LIKE ? GROUP BY user_id", run);
    }

    private static Map<String, Long> enrollmentCounts(String run) throws Exception {
        return counts("SELECT user_id, count(*) FROM engine.enrollments WHERE user_id LIKE ? GROUP BY user_id", run);
    }

    private static Map<String, Long> counts(String sql, String run) throws Exception {
        Map<String, Long> counts = new HashMap<>();
        try (Connection c = connect("postgres");
                var ps = c.prepareStatement(sql)) {
            ps.setString(1, run + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    private static Connection connect(String database) throws Exception {
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + postgresPort + "/" + database, "postgres", "postgres");
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
