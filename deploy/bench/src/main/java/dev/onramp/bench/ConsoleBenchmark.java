package dev.onramp.bench;

import static dev.onramp.bench.Measure.seconds;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ServiceProcess;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The growth console at scale: a journey with 10,000,000 enrollments (a year of cohorts, a tenth held out, steps done,
 * messages delivered, read and failed) and 50,000,000 decisions in the log; how long the journey page and the funnel
 * API take to answer, read from the counts the engine keeps — beside the same figures counted over the enrollments
 * (how the funnel was computed before the counts existed) on the same PostgreSQL in the same run.
 */
final class ConsoleBenchmark {

    private static final int CHUNK = 500_000;
    private static final int RENDERS = 20;
    private final Bench.Options options;

    ConsoleBenchmark(Bench.Options options) {
        this.options = options;
    }

    void run() throws Exception {
        int enrollments = options.records() == 1_000_000 ? 10_000_000 : options.records();
        Path dir = Bench.workDir("console");
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        Bench.banner("growth console benchmark");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        dir.resolve("postgres"), FreePorts.find(), dir.resolve("postgres.log"));
                KafkaProcess kafka = KafkaProcess.start(
                        dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"))) {
            Path journeys = dir.resolve("journeys");
            Files.createDirectories(journeys.resolve("templates"));
            Files.writeString(journeys.resolve("templates/nudge.in_app.txt"), "title: Next\n\nYour next step.\n");
            Files.writeString(journeys.resolve("templates/nudge.email.html"), """
                    <!-- subject: Your next step -->
                    <p>Your next step.</p>
                    """);
            Files.writeString(journeys.resolve("bench.yaml"), """
                    journey: bench
                    trigger: { event: Signed Up }
                    steps:
                      - { id: step-a, done_when: { event: Step A Done }, nudge: { after: 1h, channel: in_app, template: nudge } }
                      - { id: step-b, done_when: { event: Step B Done }, nudge: { after: 1h, channel: email, template: nudge } }
                      - { id: step-c, done_when: { event: Step C Done }, nudge: { after: 1h, channel: in_app, template: nudge } }
                    goal: { event: Upgraded, within: 14d }
                    holdout: 10%
                    """);
            ServiceProcess engine = EngineBenchmark.engine(root, dir, kafka, postgres, journeys);
            try (engine;
                    Connection c =
                            DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password())) {
                engine.start();
                engine.awaitReady(Duration.ofMinutes(2));
                populate(c, enrollments);

                Instant rebuilt = Instant.now();
                execute(c, "SELECT engine.rebuild_journey_counts()");
                System.out.printf(
                        "counts rebuilt from the enrollments (what the upgrade's migration does): %.1f s, %,d rows%n",
                        seconds(rebuilt, Instant.now()),
                        Measure.longQuery(c, "SELECT count(*) FROM engine.journey_counts"));
                // A live engine spreads each figure over 8 shards (one per transaction's pick): the worst case for a
                // reader is every row present in every shard.
                execute(c, """
                        INSERT INTO engine.journey_counts (journey, cohort_day, holdout, figure, label, shard, n)
                        SELECT journey, cohort_day, holdout, figure, label, s, 0
                        FROM engine.journey_counts, generate_series(1, 7) AS s WHERE shard = 0""");
                System.out.printf(
                        "counts spread over 8 shards, as a live engine writes them: %,d rows%n",
                        Measure.longQuery(c, "SELECT count(*) FROM engine.journey_counts"));
                execute(c, "VACUUM ANALYZE engine.journey_counts");

                HttpClient http = HttpClient.newBuilder()
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
                String session = logIn(http, engine.url());
                String page = engine.url() + "/console/journeys/bench?from=2000-01-01&to=2100-01-01";
                String funnel = engine.url() + "/v1/journeys/bench/funnel";
                String body = get(http, page, "Cookie", "onramp_console=" + session);
                Matcher entered = Pattern.compile("data-figure=\"treatment-entered\">(\\d+)<")
                        .matcher(body);
                if (!entered.find()) {
                    throw new IllegalStateException("the journey page shows no entries:\n" + body);
                }
                System.out.printf("journey page shows %s treated users entered (all time)%n", entered.group(1));
                List<Double> pageTimes = times(() -> get(http, page, "Cookie", "onramp_console=" + session));
                List<Double> apiTimes =
                        times(() -> get(http, funnel, "Authorization", "Bearer " + LocalSecrets.ADMIN_TOKEN));
                List<Double> reference = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Instant start = Instant.now();
                    countOverEnrollments(c);
                    reference.add(seconds(start, Instant.now()) * 1000);
                }
                Collections.sort(reference);
                double pageMedian = median(pageTimes);
                double refMedian = median(reference);
                System.out.printf(
                        "journey page (all time, 365 cohort days): median %.0f ms, max %.0f ms over %d renders%n",
                        pageMedian, Collections.max(pageTimes), RENDERS);
                System.out.printf(
                        "funnel API: median %.0f ms, max %.0f ms over %d calls%n",
                        median(apiTimes), Collections.max(apiTimes), RENDERS);
                System.out.printf(
                        "reference — the same figures counted over the enrollments: median %.0f ms over 3%n",
                        refMedian);
                System.out.printf(
                        "ratio page/reference: %.4f (%.0f× faster)%n", pageMedian / refMedian, refMedian / pageMedian);
                System.out.printf("target: journey page < 1,000 ms — %s%n", pageMedian < 1000 ? "met" : "NOT met");
            }
        }
    }

    /** Enrollments over a year of cohort days and five decisions each, written by PostgreSQL itself, in chunks. */
    private static void populate(Connection c, int enrollments) throws Exception {
        Instant start = Instant.now();
        for (int from = 1; from <= enrollments; from += CHUNK) {
            int to = Math.min(enrollments, from + CHUNK - 1);
            execute(c, """
                    INSERT INTO engine.enrollments (user_id, journey, cycle, status, enrolled_at, holdout,
                        trigger_properties, done, current_step, current_since, next_message, last_message_at, due_at,
                        ended_at, converted_at, sent)
                    SELECT 'user-' || i, 'bench', 1,
                        CASE WHEN i %% 4 = 0 THEN 'completed' WHEN i %% 13 = 0 THEN 'exited' ELSE 'active' END,
                        t, i %% 10 = 0, '{}'::jsonb,
                        CASE WHEN i %% 2 = 0 THEN jsonb_build_object('step-a', t + (i %% 7200) * interval '1 minute')
                             ELSE '{}'::jsonb END
                          || CASE WHEN i %% 4 = 0 THEN jsonb_build_object('step-b', t + (i %% 20000) * interval '1 minute',
                                                                           'step-c', t + (i %% 30000) * interval '1 minute')
                                  ELSE '{}'::jsonb END,
                        CASE WHEN i %% 4 = 0 THEN NULL WHEN i %% 2 = 0 THEN 'step-b' ELSE 'step-a' END, t, 0, NULL, NULL,
                        NULL, CASE WHEN i %% 5 = 0 THEN t + interval '3 days' END,
                        jsonb_build_array(jsonb_build_object('messageId', 'm-a-' || i, 'step', 'step-a', 'kind', 'nudge',
                            'ordinal', 0, 'channel', 'in_app', 'template', 'nudge', 'journeyVersion', 1,
                            'at', t + interval '1 hour',
                            'status', CASE WHEN i %% 10 = 0 THEN 'held_out' WHEN i %% 3 = 0 THEN 'read'
                                           WHEN i %% 7 = 0 THEN 'clicked' ELSE 'delivered' END))
                          || CASE WHEN i %% 2 = 0 THEN jsonb_build_array(jsonb_build_object('messageId', 'm-b-' || i,
                                 'step', 'step-b', 'kind', 'nudge', 'ordinal', 0, 'channel', 'email', 'template', 'nudge',
                                 'journeyVersion', 1, 'at', t + interval '2 hours',
                                 'status', CASE WHEN i %% 10 = 0 THEN 'held_out' WHEN i %% 11 = 0 THEN 'failed'
                                                WHEN i %% 3 = 0 THEN 'delivered' ELSE 'sent' END))
                                  ELSE '[]'::jsonb END
                    FROM generate_series(%d, %d) AS i,
                         LATERAL (SELECT now() - (i %% 365) * interval '1 day' - (i %% 86400) * interval '1 second') AS x(t)
                    """.formatted(from, to));
            execute(c, """
                    INSERT INTO engine.decisions (at, user_id, journey, cycle, step, kind, detail, message_id)
                    SELECT now() - (i %% 365) * interval '1 day', 'user-' || i, 'bench', 1, s.step, s.kind, s.detail,
                           CASE WHEN s.kind = 'message_sent' THEN 'm-a-' || i END
                    FROM generate_series(%d, %d) AS i,
                         (VALUES ('step-a', 'enrolled', 'entered on Signed Up'),
                                 ('step-a', 'message_sent', 'nudge by in_app'),
                                 ('step-a', 'delivery', 'delivered by in_app'),
                                 ('step-a', 'step_done', 'Step A Done'),
                                 ('step-b', 'message_sent', 'nudge by email')) AS s(step, kind, detail)
                    """.formatted(from, to));
            System.out.printf(
                    "  %,d of %,d enrollments and %,d decisions written (%.0f s)%n",
                    to, enrollments, 5L * to, seconds(start, Instant.now()));
        }
        execute(c, "ANALYZE engine.enrollments");
        execute(c, "ANALYZE engine.decisions");
        System.out.printf(
                "%,d enrollments, %,d decisions; database %s%n",
                Measure.longQuery(c, "SELECT count(*) FROM engine.enrollments"),
                Measure.longQuery(c, "SELECT count(*) FROM engine.decisions"),
                Measure.textQuery(c, "SELECT pg_size_pretty(pg_database_size(current_database()))"));
    }

    /** The funnel as the engine counted it before it kept counts (its former queries). */
    private static void countOverEnrollments(Connection c) throws Exception {
        for (String sql : List.of("""
                SELECT holdout, count(*), count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'completed'),
                       count(*) FILTER (WHERE status = 'exited'), count(converted_at)
                FROM engine.enrollments WHERE journey = 'bench' GROUP BY holdout""", """
                SELECT holdout, step, count(*) FROM engine.enrollments, jsonb_object_keys(done) AS step
                WHERE journey = 'bench' GROUP BY holdout, step""", """
                SELECT holdout, m->>'step', count(DISTINCT (user_id, cycle))
                FROM engine.enrollments, jsonb_array_elements(sent) AS m
                WHERE journey = 'bench' AND m->>'kind' = 'nudge' GROUP BY holdout, m->>'step'""")) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    rs.getObject(1);
                }
            }
        }
    }

    private static String logIn(HttpClient http, String base) throws Exception {
        HttpResponse<String> form = http.send(
                HttpRequest.newBuilder(URI.create(base + "/console/login")).build(),
                HttpResponse.BodyHandlers.ofString());
        String nonce = cookie(form, "onramp_console_login");
        HttpResponse<String> login = http.send(
                HttpRequest.newBuilder(URI.create(base + "/console/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Cookie", "onramp_console_login=" + nonce)
                        .POST(HttpRequest.BodyPublishers.ofString("nonce=" + nonce + "&token="
                                + URLEncoder.encode(LocalSecrets.ADMIN_TOKEN, StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (login.statusCode() != 303) {
            throw new IllegalStateException("console login answered " + login.statusCode());
        }
        return cookie(login, "onramp_console");
    }

    private static String cookie(HttpResponse<?> response, String name) {
        return response.headers().allValues("Set-Cookie").stream()
                .filter(h -> h.startsWith(name + "="))
                .map(h -> h.substring(name.length() + 1, h.indexOf(';')))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + name + " cookie"));
    }

    private static String get(HttpClient http, String url, String header, String value) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url)).header(header, value).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static List<Double> times(Callable<?> call) throws Exception {
        for (int i = 0; i < 3; i++) {
            call.call();
        }
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < RENDERS; i++) {
            Instant start = Instant.now();
            call.call();
            times.add(seconds(start, Instant.now()) * 1000);
        }
        Collections.sort(times);
        return times;
    }

    private static double median(List<Double> sorted) {
        return sorted.get(sorted.size() / 2);
    }

    private static void execute(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
