package dev.onramp.bench;

import static dev.onramp.bench.Measure.longQuery;
import static dev.onramp.bench.Measure.seconds;
import static dev.onramp.bench.Measure.waitFor;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * How journey-engine's cost per event grows with the journeys it has loaded and the users whose state PostgreSQL
 * holds. The users' state is seeded in bulk (a profile, an enrollment waiting on its first step, two journey-log
 * entries each); then, for each number of journeys, the engine is started, warmed up, and given a backlog of events of
 * users drawn at random from all of them (an identify and three step events each, the engine benchmark's mix). Each
 * cell reports events per second and the CPU of the engine and PostgreSQL per event, against the first cell of the
 * same run.
 */
final class GrowthBenchmark {

    private static final int WARM_UP_USERS = 2_000;
    private static final int EVENTS_PER_USER = 4;
    private static final String[] USER_EVENTS = {null, "Step A Done", "Step B Done", "Step C Done"};

    private final List<Integer> journeyCounts;
    private final List<Integer> userCounts;
    private final int sampleUsers;
    /** PostgreSQL settings for the run ({@code name=value,…}); its defaults when empty. */
    private final String postgresSettings;

    private final Random random = new Random(14);
    private long produced;
    private Statements statements;

    GrowthBenchmark(String[] args) {
        List<Integer> journeys = List.of(1, 20, 200);
        List<Integer> users = List.of(10_000, 1_000_000, 10_000_000);
        int sample = 10_000;
        String settings = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--journeys" -> journeys = numbers(args[++i]);
                case "--users" -> users = numbers(args[++i]);
                case "--sample" -> sample = Integer.parseInt(args[++i].replace("_", ""));
                case "--postgres" -> settings = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        this.journeyCounts = journeys;
        this.userCounts = users.stream().sorted().toList();
        this.sampleUsers = sample;
        this.postgresSettings = settings;
    }

    private static List<Integer> numbers(String list) {
        return Arrays.stream(list.split(","))
                .map(n -> Integer.parseInt(n.trim().replace("_", "")))
                .toList();
    }

    /** One cell of the table. */
    private record Cell(int journeys, int users, long events, double eventsPerSecond, double cpuMicrosPerEvent) {}

    void run() throws Exception {
        Path dir = Bench.workDir("growth");
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        Bench.serviceJvm = Bench.STACK_JVM;
        Bench.banner("journey-engine cost growth benchmark");
        System.out.printf(
                "journeys %s × users' state %s; %,d users' events per cell (%d each), engine flags %s%n",
                journeyCounts, userCounts, sampleUsers, EVENTS_PER_USER, String.join(" ", Bench.serviceJvm));
        List<Cell> cells = new ArrayList<>();
        System.setProperty(EmbeddedPostgresServer.PRELOAD, "pg_stat_statements");
        System.setProperty(EmbeddedPostgresServer.SETTINGS, postgresSettings);
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        dir.resolve("postgres"), FreePorts.find(), dir.resolve("postgres.log"));
                KafkaProcess kafka = KafkaProcess.start(
                        dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"));
                Connection c = EngineBenchmark.connect(postgres)) {
            System.out.printf(
                    "PostgreSQL shared_buffers %s, max_wal_size %s, checkpoint_timeout %s, wal_compression %s%n",
                    Measure.textQuery(c, "SHOW shared_buffers"),
                    Measure.textQuery(c, "SHOW max_wal_size"),
                    Measure.textQuery(c, "SHOW checkpoint_timeout"),
                    Measure.textQuery(c, "SHOW wal_compression"));
            double upserts = EngineBenchmark.singleRowUpserts(postgres, Duration.ofSeconds(10));
            System.out.printf("reference: single-row upserts, one commit each: %,.0f/s%n", upserts);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(
                                new NewTopic("onramp.events", 6, (short) 1),
                                new NewTopic("onramp.delivery-events", 6, (short) 1),
                                new NewTopic("onramp.message-requests", 6, (short) 1)))
                        .all()
                        .get();
            }
            // The schema: the engine's migrations, on a first start.
            Path journeys = journeys(dir, 1);
            try (ServiceProcess engine = EngineBenchmark.engine(root, dir, kafka, postgres, journeys)) {
                engine.start().awaitReady(Duration.ofMinutes(2));
            }
            statements = new Statements(postgres);
            int seeded = 0;
            for (int users : userCounts) {
                seed(c, seeded, users);
                seeded = users;
                for (int count : journeyCounts) {
                    Cell cell = cell(root, dir, kafka, postgres, c, count, users);
                    cells.add(cell);
                    System.out.printf(
                            "  %,d journeys, %,d users: %,.0f events/s, %.0f µs CPU per event%n",
                            cell.journeys(), cell.users(), cell.eventsPerSecond(), cell.cpuMicrosPerEvent());
                }
            }
            Cell base = cells.getFirst();
            System.out.println();
            System.out.printf(
                    "| journeys loaded | users' state | events/s | CPU per event (engine + PostgreSQL) | CPU per event ÷ first"
                            + " cell | events/s ÷ single-row upserts (%,.0f/s) |%n",
                    upserts);
            System.out.println("|---|---|---|---|---|---|");
            for (Cell cell : cells) {
                System.out.printf(
                        "| %,d | %,d | %,.0f | %.0f µs | %.2f | %.2f |%n",
                        cell.journeys(),
                        cell.users(),
                        cell.eventsPerSecond(),
                        cell.cpuMicrosPerEvent(),
                        cell.cpuMicrosPerEvent() / base.cpuMicrosPerEvent(),
                        cell.eventsPerSecond() / upserts);
            }
            System.out.println();
            System.out.println("Target (issue 14): CPU per event within 20% of the first cell across both ranges.");
        }
    }

    /** The engine with this many journeys over this many users: a warm-up, then a backlog measured. */
    private Cell cell(
            Path root,
            Path dir,
            KafkaProcess kafka,
            EmbeddedPostgresServer postgres,
            Connection c,
            int journeyCount,
            int users)
            throws Exception {
        Path journeys = journeys(dir.resolve("journeys-" + journeyCount), journeyCount);
        try (ServiceProcess engine = EngineBenchmark.engine(root, dir, kafka, postgres, journeys)) {
            engine.start().awaitReady(Duration.ofMinutes(3));
            CpuUse cpu = new CpuUse(Map.of("journey-engine", engine.pid(), "postgres", postgres.pid()));
            List<String> warmUp = sample(users, Math.min(WARM_UP_USERS, users));
            send(kafka, warmUp);
            awaitConsumed(c);
            reset(c, warmUp);
            List<String> measured = sample(users, Math.min(sampleUsers, users));
            statements.reset();
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_stat_reset_shared('wal')");
            }
            cpu.cpuSinceLast();
            Instant start = Instant.now();
            long events = send(kafka, measured);
            Instant done = awaitConsumed(c);
            Map<String, Duration> used = cpu.cpuSinceLast();
            double cpuMicros =
                    used.values().stream().mapToLong(Duration::toNanos).sum() / 1e3 / events;
            System.out.println(statements.top(5, events));
            System.out.println("  " + wal(c, events));
            reset(c, measured);
            return new Cell(journeyCount, users, events, events / seconds(start, done), cpuMicros);
        }
    }

    /** What PostgreSQL's write-ahead log took per event since the reset: records, full-page images, bytes. */
    private static String wal(Connection c, long events) throws Exception {
        try (Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")) {
            rs.next();
            return String.format(
                    "write-ahead log per event: %.1f records, %.2f full-page images, %,.0f bytes",
                    rs.getDouble(1) / events, rs.getDouble(2) / events, rs.getDouble(3) / events);
        }
    }

    /**
     * A journey folder: the engine benchmark's three-step journey, which the events touch, and {@code count - 1}
     * others of the same shape, each named by events of its own.
     */
    private static Path journeys(Path dir, int count) throws Exception {
        Path journeys = EngineBenchmark.benchJourney(dir.resolve("journeys"));
        for (int k = 1; k < count; k++) {
            Files.writeString(journeys.resolve("other-" + k + ".yaml"), """
                    journey: other-%1$d
                    trigger: { event: Other %1$d Started, where: user.traits.plan != "guest" }
                    steps:
                      - { id: one, done_when: { event: Other %1$d One }, nudge: { after: 1h, channel: in_app, template: nudge } }
                      - { id: two, done_when: { event: Other %1$d Two }, nudge: { after: 1d, channel: in_app, template: nudge } }
                    goal: { event: Other %1$d Converted, within: 14d }
                    """.formatted(k));
        }
        return journeys;
    }

    private static String user(long n) {
        return "u" + String.format("%09d", n);
    }

    /**
     * Users {@code from + 1 … to}: a profile, an active enrollment in the benchmark's journey waiting on its first step
     * with a nudge due tomorrow, and the two journey-log entries that put them there.
     */
    private static void seed(Connection c, int from, int to) throws Exception {
        if (to <= from) {
            return;
        }
        Instant start = Instant.now();
        System.out.printf("seeding the state of users %,d to %,d…%n", from + 1, to);
        int chunk = 1_000_000;
        for (int lo = from + 1; lo <= to; lo += chunk) {
            int hi = Math.min(to, lo + chunk - 1);
            try (Statement s = c.createStatement()) {
                String users = "generate_series(%d, %d) g".formatted(lo, hi);
                String id = "'u' || lpad(g::text, 9, '0')";
                s.execute("""
                        INSERT INTO engine.profiles (user_id, traits, blocked, recent, updated_at)
                        SELECT %s, jsonb_build_object('plan', 'team', 'email', 'user' || g || '@example.com'), '{}',
                               '[]', now() - interval '1 day' FROM %s""".formatted(id, users));
                s.execute("""
                        INSERT INTO engine.enrollments (user_id, journey, cycle, status, enrolled_at, holdout,
                            trigger_properties, done, current_step, current_since, next_message, last_message_at,
                            due_at, ended_at, converted_at, sent)
                        SELECT %s, 'bench', 1, 'active', now() - interval '1 day', false, '{}', '{}', 'step-a',
                               now() - interval '1 day', 0, null, now() + interval '1 day' + g * interval '1 ms',
                               null, null, '[]'
                        FROM %s""".formatted(id, users));
                s.execute("""
                        INSERT INTO engine.decisions (at, user_id, journey, cycle, step, kind, detail, message_id)
                        SELECT now() - interval '1 day', %s, 'bench', 1, k.step, k.kind, k.detail, null
                        FROM %s, (VALUES (null, 'enrolled', 'Signed Up'),
                                         ('step-a', 'step', 'is the next step')) AS k(step, kind, detail)""".formatted(id, users));
            }
            System.out.printf("  %,d users (%.0f s)%n", hi, seconds(start, Instant.now()));
        }
        try (Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE engine.profiles");
            s.execute("VACUUM ANALYZE engine.enrollments");
            s.execute("VACUUM ANALYZE engine.decisions");
        }
        System.out.printf(
                "  seeded in %.0f s; the engine's tables and indexes: %s%n",
                seconds(start, Instant.now()),
                Measure.textQuery(
                        c,
                        "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c"
                                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'engine'"
                                + " AND c.relkind = 'r'"));
    }

    /** Distinct users drawn at random from the first {@code users}. */
    private List<String> sample(int users, int count) {
        return random.ints(1, users + 1)
                .distinct()
                .limit(count)
                .mapToObj(GrowthBenchmark::user)
                .toList();
    }

    /** Each user's events, in order per user (one key, one partition): an identify and the three steps done. */
    private long send(KafkaProcess kafka, List<String> users) throws Exception {
        String now = Instant.now().toString();
        long count = 0;
        try (var producer = Bench.backlogProducer(kafka.bootstrapServers())) {
            for (String event : USER_EVENTS) {
                for (String user : users) {
                    String value = event == null
                            ? EngineBenchmark.event(
                                    user, "identify", null, "{\"plan\":\"team\",\"seats\":" + count % 50 + "}", now)
                            : EngineBenchmark.event(user, "track", event, "{}", now);
                    producer.send(new ProducerRecord<>("onramp.events", user, value));
                    count++;
                }
            }
            producer.flush();
        }
        produced += count;
        return count;
    }

    private Instant awaitConsumed(Connection c) throws Exception {
        return waitFor(
                () -> longQuery(
                                c,
                                "SELECT coalesce(sum(next_offset), 0) FROM engine.consumer_offsets"
                                        + " WHERE topic = 'onramp.events'")
                        >= produced,
                Duration.ofMinutes(20),
                "the engine to consume the events");
    }

    /** Puts these users back where the seed left them, so that every cell's events do the same work. */
    private static void reset(Connection c, List<String> users) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE engine.enrollments
                   SET status = 'active', done = '{}', current_step = 'step-a', current_since = now() - interval '1 day',
                       next_message = 0, last_message_at = null, due_at = now() + interval '1 day', ended_at = null,
                       converted_at = null, sent = '[]'
                 WHERE journey = 'bench' AND user_id = ANY(?)""")) {
            ps.setArray(1, c.createArrayOf("text", users.toArray()));
            ps.executeUpdate();
        }
    }
}
