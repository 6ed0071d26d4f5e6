package dev.onramp.bench;

import static dev.onramp.bench.Measure.longQuery;
import static dev.onramp.bench.Measure.seconds;
import static dev.onramp.bench.Measure.waitFor;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * journey-engine on a durable PostgreSQL (fsync and synchronous commits on): how many events per second it turns
 * into committed state, and how long 1,000,000 timers due at once take to become message requests in Kafka —
 * beside the rate of single-row upserts, one commit each, of the same PostgreSQL in the same run.
 */
final class EngineBenchmark {

    private static final int TIMERS = 1_000_000;
    private final Bench.Options options;

    EngineBenchmark(Bench.Options options) {
        this.options = options;
    }

    /** journey-engine on this run's broker and database, with these journeys; not started. */
    static ServiceProcess engine(
            Path root, Path dir, KafkaProcess kafka, EmbeddedPostgresServer postgres, Path journeys) {
        return new ServiceProcess(
                "journey-engine",
                ServiceProcess.jarOf(root, "journey-engine/service"),
                FreePorts.find(),
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        kafka.bootstrapServers(),
                        "QUARKUS_DATASOURCE_JDBC_URL",
                        postgres.jdbcUrl(),
                        "QUARKUS_DATASOURCE_USERNAME",
                        postgres.username(),
                        "QUARKUS_DATASOURCE_PASSWORD",
                        postgres.password(),
                        "ONRAMP_ENGINE_JOURNEYS_DIR",
                        journeys.toString(),
                        "ONRAMP_ENGINE_ADMIN_TOKEN",
                        LocalSecrets.ADMIN_TOKEN),
                dir.resolve("journey-engine.log"),
                IngestBenchmark.jvmOptions());
    }

    void run() throws Exception {
        int users = options.records() >= 1_000_000 ? 100_000 : options.records();
        Path dir = Bench.workDir("engine");
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        Bench.banner("journey-engine benchmark");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        dir.resolve("postgres"), FreePorts.find(), dir.resolve("postgres.log"));
                KafkaProcess kafka = KafkaProcess.start(
                        dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"))) {
            try (Connection c = connect(postgres);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SHOW fsync")) {
                rs.next();
                System.out.println("PostgreSQL fsync=" + rs.getString(1) + ", synchronous_commit=on");
            }
            double upserts = singleRowUpserts(postgres, Duration.ofSeconds(10));
            System.out.printf("single-row upserts, one commit each: %,.0f/s%n", upserts);

            Path journeys = benchJourney(dir.resolve("journeys"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(
                                new NewTopic("onramp.events", 6, (short) 1),
                                new NewTopic("onramp.message-requests", 6, (short) 1)))
                        .all()
                        .get();
            }
            long events = produceEvents(kafka.bootstrapServers(), users);
            System.out.printf(
                    "%,d events of %,d users in Kafka (identify, Signed Up, Step A Done, Step B Done)%n",
                    events, users);

            ServiceProcess engine = engine(root, dir, kafka, postgres, journeys);
            try (engine;
                    Connection c = connect(postgres)) {
                engine.start();
                CpuUse cpu = new CpuUse(Map.of(
                        "journey-engine",
                        engine.pid(),
                        "postgres",
                        postgres.pid(),
                        "kafka",
                        kafka.handle().pid()));
                LongSupplier consumed = () -> longQuery(
                        c,
                        "SELECT coalesce(sum(next_offset), 0) FROM engine.consumer_offsets WHERE topic = 'onramp.events'");
                Instant first =
                        waitFor(() -> consumed.getAsLong() > 0, Duration.ofMinutes(3), "the engine to start consuming");
                long startOffset = consumed.getAsLong();
                Instant done = waitFor(
                        () -> consumed.getAsLong() >= events,
                        Duration.ofMinutes(30),
                        "the engine to consume every event");
                double eventRate = (events - startOffset) / seconds(first, done);
                String eventCpu = cpu.sinceLast();
                long enrolled = longQuery(c, "SELECT count(*) FROM engine.enrollments WHERE journey = 'bench'");

                Instant inserted = insertDueTimers(c);
                cpu.sinceLast();
                long[] requests = {0};
                Measure.TopicEnd messageRequests =
                        new Measure.TopicEnd(kafka.bootstrapServers(), "onramp.message-requests");
                Progress progress = new Progress(Duration.ofSeconds(10));
                Instant drained = waitFor(
                        () -> {
                            requests[0] = messageRequests.records();
                            long waiting = longQuery(c, "SELECT count(*) FROM engine.outbox");
                            if (progress.due()) {
                                System.out.printf(
                                        "  %3.0f s: %,d message requests in Kafka, %,d waiting in the outbox%n",
                                        seconds(inserted, Instant.now()), requests[0], waiting);
                            }
                            return requests[0] >= TIMERS && waiting == 0;
                        },
                        Duration.ofMinutes(30),
                        "1,000,000 timers to become message requests");
                double drain = seconds(inserted, drained);
                messageRequests.close();
                String timerCpu = cpu.sinceLast();

                System.out.println();
                System.out.println("| measure | result | target |");
                System.out.println("|---|---|---|");
                System.out.printf("| single-row upserts, one commit each (reference) | %,.0f/s | |%n", upserts);
                System.out.printf(
                        "| events into committed state (%,d users enrolled) | %,.0f events/s = %.1f× the upsert rate | ≥ 20,000/s and ≥ 3× |%n",
                        enrolled, eventRate, eventRate / upserts);
                System.out.printf(
                        "| 1,000,000 timers due at once → message requests in Kafka | %.1f s (%,.0f/s, %,d records) | ≤ 60 s |%n",
                        drain, TIMERS / drain, requests[0]);
                System.out.println();
                System.out.println(
                        "CPU during events: " + eventCpu + "; during timers: " + timerCpu + " (100% = one core)");
            }
        }
    }

    /**
     * The benchmark journey — three steps, each nudged in-app after an hour, triggered by {@code Signed Up} — in a
     * journey folder, with its template.
     */
    static Path benchJourney(Path journeys) throws java.io.IOException {
        Files.createDirectories(journeys.resolve("templates"));
        Files.writeString(journeys.resolve("templates/nudge.in_app.txt"), "title: Next\n\nYour next step.\n");
        Files.writeString(journeys.resolve("bench.yaml"), """
                journey: bench
                trigger: { event: Signed Up, where: user.traits.plan != "guest" }
                steps:
                  - { id: step-a, done_when: { event: Step A Done }, nudge: { after: 1h, channel: in_app, template: nudge } }
                  - { id: step-b, done_when: { event: Step B Done }, nudge: { after: 1h, channel: in_app, template: nudge } }
                  - { id: step-c, done_when: { event: Step C Done }, nudge: { after: 1h, channel: in_app, template: nudge } }
                goal: { event: Upgraded, within: 14d }
                """);
        return journeys;
    }

    static Connection connect(EmbeddedPostgresServer postgres) throws Exception {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
    }

    static double singleRowUpserts(EmbeddedPostgresServer postgres, Duration duration) throws Exception {
        try (Connection c = connect(postgres)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE bench_upsert (k text PRIMARY KEY, v jsonb NOT NULL, at timestamptz NOT NULL)");
            }
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO bench_upsert (k, v, at) VALUES (?, ?::jsonb, now()) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, at = EXCLUDED.at")) {
                long count = 0;
                long end = System.nanoTime() + duration.toNanos();
                long start = System.nanoTime();
                while (System.nanoTime() < end) {
                    ps.setString(1, "user-" + (count % 50_000));
                    ps.setString(2, "{\"plan\":\"team\",\"n\":" + count + "}");
                    ps.executeUpdate();
                    count++;
                }
                return count / ((System.nanoTime() - start) / 1e9);
            }
        }
    }

    private static long produceEvents(String bootstrap, int users) throws Exception {
        long count = 0;
        String now = Instant.now().toString();
        try (var producer = Bench.backlogProducer(bootstrap)) {
            for (int i = 0; i < users; i++) {
                String user = "user-" + i;
                producer.send(new ProducerRecord<>(
                        "onramp.events",
                        user,
                        event(
                                user,
                                "identify",
                                null,
                                "{\"plan\":\"team\",\"email\":\"" + user + "@example.com\"}",
                                now)));
                producer.send(
                        new ProducerRecord<>("onramp.events", user, event(user, "track", "Signed Up", "{}", now)));
                producer.send(
                        new ProducerRecord<>("onramp.events", user, event(user, "track", "Step A Done", "{}", now)));
                producer.send(
                        new ProducerRecord<>("onramp.events", user, event(user, "track", "Step B Done", "{}", now)));
                count += 4;
            }
            producer.flush();
        }
        return count;
    }

    static String event(String user, String type, String name, String traits, String now) {
        return "{\"type\":\"" + type + "\",\"messageId\":\"" + java.util.UUID.randomUUID() + "\",\"userId\":\"" + user
                + "\",\"anonymousId\":null,"
                + (name == null ? "" : "\"event\":\"" + name + "\",")
                + "\"properties\":{\"source\":\"benchmark\"},\"traits\":" + traits
                + ",\"context\":{},\"timestamp\":\"" + now + "\",\"receivedAt\":\"" + now
                + "\",\"sourceId\":\"bench\"}";
    }

    /** A million users, each with a nudge that was due an hour ago: what an outage or a mass import leaves behind. */
    private static Instant insertDueTimers(Connection c) throws Exception {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("""
                    INSERT INTO engine.profiles (user_id, traits, blocked, recent, updated_at)
                    SELECT 'timer-' || g, '{"plan":"team"}', '{}', '[]', now() FROM generate_series(1, %1$d) g""".formatted(TIMERS));
            s.execute("""
                    INSERT INTO engine.enrollments (user_id, journey, cycle, status, enrolled_at, holdout, trigger_properties, done,
                        current_step, current_since, next_message, last_message_at, due_at, ended_at, converted_at, sent)
                    SELECT 'timer-' || g, 'bench', 1, 'active', now() - interval '2 hours', false, '{}', '{}',
                        'step-a', now() - interval '2 hours', 0, null, now() - interval '1 hour', null, null, '[]'
                    FROM generate_series(1, %1$d) g""".formatted(TIMERS));
        }
        c.commit();
        c.setAutoCommit(true);
        return Instant.now();
    }

    /** Says when it is time to print progress again. */
    private static final class Progress {
        private final Duration every;
        private Instant next;

        Progress(Duration every) {
            this.every = every;
            this.next = Instant.now().plus(every);
        }

        boolean due() {
            if (Instant.now().isBefore(next)) {
                return false;
            }
            next = Instant.now().plus(every);
            return true;
        }
    }
}
