package dev.onramp.bench;

import static dev.onramp.bench.Measure.longQuery;
import static dev.onramp.bench.Measure.seconds;
import static dev.onramp.bench.Measure.waitFor;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.GreenMailSmtp;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A broadcast to everyone: the state of N users (default 1,000,000) in PostgreSQL, one in-app broadcast to all of them
 * through journey-engine and message-dispatch, timed until every message is stored in its user's inbox — beside the
 * rate of single-row inserts, one commit each, of the same PostgreSQL in the same run. Then an email broadcast to the
 * same audience: how long until the first email reaches the SMTP server, and its cancel. The engine's resident memory
 * is sampled throughout, to see whether it grows with the audience.
 */
final class BroadcastBenchmark {

    private static final Pattern ID = Pattern.compile("\"id\":\"(b-[^\"]+)\"");
    private final Bench.Options options;
    private final HttpClient http = HttpClient.newHttpClient();

    BroadcastBenchmark(Bench.Options options) {
        this.options = options;
    }

    void run() throws Exception {
        int users = options.records();
        Path dir = Bench.workDir("broadcast");
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        Bench.banner("broadcast benchmark");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        dir.resolve("postgres"), FreePorts.find(), dir.resolve("postgres.log"));
                KafkaProcess kafka = KafkaProcess.start(
                        dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"));
                GreenMailSmtp smtp = GreenMailSmtp.start(0)) {
            double inserts = DispatchBenchmark.singleRowInserts(postgres, Duration.ofSeconds(10));
            System.out.printf("single-row inserts, one commit each: %,.0f/s%n", inserts);

            Path journeys = EngineBenchmark.benchJourney(dir.resolve("journeys"));
            Files.writeString(
                    journeys.resolve("templates/notice.in_app.txt"),
                    "title: Scheduled maintenance\n\nTonight, 22:00–23:00 UTC.\n");
            Files.writeString(
                    journeys.resolve("templates/notice.email.html"),
                    "subject: Scheduled maintenance\n\n<p>Tonight, 22:00–23:00 UTC.</p>\n");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(
                                new NewTopic("onramp.events", 6, (short) 1),
                                new NewTopic("onramp.message-requests", 6, (short) 1),
                                new NewTopic("onramp.delivery-events", 6, (short) 1)))
                        .all()
                        .get();
            }
            ServiceProcess engine = EngineBenchmark.engine(root, dir, kafka, postgres, journeys);
            ServiceProcess dispatch = DispatchBenchmark.dispatch(
                    root, dir, kafka, postgres, smtp.smtpPort(), journeys.resolve("templates"), Map.of());
            try (engine;
                    dispatch;
                    Connection c = EngineBenchmark.connect(postgres)) {
                engine.start();
                dispatch.start();
                engine.awaitReady(Duration.ofMinutes(3));
                dispatch.awaitReady(Duration.ofMinutes(3));
                Instant seeding = Instant.now();
                try (Statement s = c.createStatement()) {
                    s.execute("""
                            INSERT INTO engine.profiles (user_id, traits, blocked, recent, updated_at, created_at)
                            SELECT 'user-' || g, jsonb_build_object('plan', 'team', 'email', 'user-' || g || '@example.com'),
                                   '{}', '[]', now(), now() - interval '1 hour'
                            FROM generate_series(1, %d) g""".formatted(users));
                    s.execute("ANALYZE engine.profiles");
                }
                System.out.printf("%,d users' state in PostgreSQL (%.0f s)%n", users, seconds(seeding, Instant.now()));

                CpuUse cpu = new CpuUse(Map.of(
                        "journey-engine", engine.pid(),
                        "message-dispatch", dispatch.pid(),
                        "postgres", postgres.pid(),
                        "kafka", kafka.handle().pid()));
                long rssBefore = rssKb(engine.pid());
                AtomicLong rssPeak = new AtomicLong(rssBefore);
                Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        rssPeak.accumulateAndGet(rssKb(engine.pid()), Math::max);
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });

                Instant posted = Instant.now();
                String inApp = create(engine, "in_app");
                Instant[] firstStored = {null};
                Instant[] nextReport = {posted.plusSeconds(10)};
                Instant stored = waitFor(
                        () -> {
                            long inbox = longQuery(
                                    c,
                                    "SELECT count(*) FROM dispatch.inbox_messages WHERE broadcast = '" + inApp + "'");
                            if (inbox > 0 && firstStored[0] == null) {
                                firstStored[0] = Instant.now();
                            }
                            if (Instant.now().isAfter(nextReport[0])) {
                                nextReport[0] = Instant.now().plusSeconds(10);
                                long handled = longQuery(
                                        c,
                                        "SELECT count(*) FROM engine.broadcast_recipients WHERE broadcast = '" + inApp
                                                + "' AND status <> 'pending'");
                                System.out.printf(
                                        "  %3.0f s: %,d recipients handed to dispatch, %,d in their inboxes%n",
                                        seconds(posted, Instant.now()), handled, inbox);
                            }
                            return inbox >= users;
                        },
                        Duration.ofMinutes(60),
                        "every in-app message stored");
                double storedRate = users / seconds(posted, stored);
                String inAppCpu = cpu.sinceLast();
                long peakInApp = rssPeak.get();

                int mailsBefore = smtp.count();
                Instant emailPosted = Instant.now();
                String email = create(engine, "email");
                Instant firstMail = waitFor(
                        () -> smtp.count() > mailsBefore, Duration.ofMinutes(5), "the first email of the broadcast");
                String cancelled = admin(engine, "POST", "/v1/broadcasts/" + email + "/cancel", null);
                sampler.interrupt();

                System.out.println();
                System.out.println("| measure | result | target |");
                System.out.println("|---|---|---|");
                System.out.printf("| single-row inserts, one commit each (reference) | %,.0f/s | |%n", inserts);
                System.out.printf(
                        "| in-app broadcast to %,d users, stored in every inbox | %.1f s: %,.0f recipients/s = %.1f× the insert rate (first stored after %.2f s) | ≥ 10,000/s, ≤ 100 s for 10⁶ |%n",
                        users,
                        seconds(posted, stored),
                        storedRate,
                        storedRate / inserts,
                        firstStored[0] == null ? Double.NaN : seconds(posted, firstStored[0]));
                System.out.printf(
                        "| email broadcast to the same users: first email at the SMTP server | %.2f s after the call | ≤ 5 s |%n",
                        seconds(emailPosted, firstMail));
                System.out.printf(
                        "| journey-engine resident memory | %,d MB before, %,d MB at most during the in-app send, %,d MB at most after | flat in the audience |%n",
                        rssBefore / 1024, peakInApp / 1024, rssPeak.get() / 1024);
                System.out.println();
                System.out.println("CPU during the in-app broadcast: " + inAppCpu + " (100% = one core)");
                System.out.println("the email broadcast's cancel answered: " + counts(cancelled));
            }
        }
    }

    private String create(ServiceProcess engine, String channel) throws Exception {
        String body = admin(engine, "POST", "/v1/broadcasts", """
                {"name": "Benchmark %s", "audience": {"all": true}, "channels": ["%s"], "template": "notice",
                 "priority": "urgent"}""".formatted(channel, channel));
        Matcher m = ID.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no broadcast id in " + body);
        }
        return m.group(1);
    }

    private String admin(ServiceProcess engine, String method, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(engine.url() + path))
                        .header("Authorization", "Bearer " + LocalSecrets.ADMIN_TOKEN)
                        .header("Content-Type", "application/json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofMinutes(2))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(
                    method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static String counts(String view) {
        int at = view.indexOf("\"counts\":");
        return at < 0 ? view : view.substring(at, view.indexOf('}', at) + 1);
    }

    /** The process's resident memory in kB, from /proc; 0 when it cannot be read. */
    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            // the process is gone, or this is not Linux
        }
        return 0;
    }
}
