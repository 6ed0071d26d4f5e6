package dev.onramp.bench;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Event → in-app message, end to end: the three packaged services on one broker and one durable PostgreSQL, a journey
 * whose first nudge is in-app after 0 s, inbox streams (SSE) open for a sample of the users, and events POSTed to
 * event-ingest at a fixed rate (open loop: each send at its planned time, whatever the previous one did). For each
 * sampled user, the time from the POST to the SSE event that carries the message. Reference in the same run: one
 * Kafka produce (acks=all) and consume round trip plus one PostgreSQL commit — the least any such pipeline pays.
 */
final class EndToEndBenchmark {

    private static final String KEY = IngestBenchmark.KEY;
    private static final int STREAMS = 400;
    private static final int SENDERS = 32;
    private final Bench.Options options;

    EndToEndBenchmark(Bench.Options options) {
        this.options = options;
    }

    void run() throws Exception {
        Path dir = Bench.workDir("e2e");
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        int duration = options.durationSeconds();
        Bench.serviceJvm = options.jvm().equals("stack") ? Bench.STACK_JVM : List.of();
        Bench.banner("end-to-end latency benchmark");
        System.out.println("services' JVM flags: -Xmx512m " + String.join(" ", Bench.serviceJvm)
                + (options.jvm().equals("stack") ? " (the local stack's)" : " (the JVM's defaults)"));
        System.setProperty(EmbeddedPostgresServer.PRELOAD, "pg_stat_statements");
        String brokerJvm = System.getenv()
                .getOrDefault("ONRAMP_BENCH_KAFKA_JVM", options.jvm().equals("stack") ? KafkaProcess.DEFAULT_JVM : "");
        System.setProperty(KafkaProcess.JVM, brokerJvm);
        System.out.println("broker's JVM flags: " + (brokerJvm.isBlank() ? "none (the JVM's defaults)" : brokerJvm)
                + (options.jvm().equals("stack") ? " (the local stack's)" : ""));
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        dir.resolve("postgres"), FreePorts.find(), dir.resolve("postgres.log"));
                KafkaProcess kafka = KafkaProcess.start(
                        dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"));
                GreenMailSmtp smtp = GreenMailSmtp.start(0)) {
            this.kafka = kafka;
            this.postgres = postgres;
            List<Double> floor = floor(kafka, postgres);
            System.out.printf(
                    "reference floor (Kafka produce acks=all + consume, then one PostgreSQL commit), %d samples:"
                            + " p50 %.1f ms, p99 %.1f ms%n",
                    floor.size(), Measure.quantile(floor, 0.5), Measure.quantile(floor, 0.99));

            // The topics first: a consumer that subscribes before its topic exists waits for a metadata refresh.
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(Stream.of("onramp.events", "onramp.message-requests", "onramp.delivery-events")
                                .map(t -> new org.apache.kafka.clients.admin.NewTopic(t, 6, (short) 1))
                                .toList())
                        .all()
                        .get();
            }
            Path journeys = Bench.inAppJourney(dir);
            ServiceProcess ingest = IngestBenchmark.ingest(root, dir, kafka);
            ServiceProcess engine = EngineBenchmark.engine(root, dir, kafka, postgres, journeys);
            ServiceProcess dispatch = DispatchBenchmark.dispatch(
                    root, dir, kafka, postgres, smtp.smtpPort(), journeys.resolve("templates"), Map.of());
            try (ingest;
                    engine;
                    dispatch) {
                for (ServiceProcess s : List.of(ingest, engine, dispatch)) {
                    s.start();
                }
                for (ServiceProcess s : List.of(ingest, engine, dispatch)) {
                    s.awaitReady(Duration.ofMinutes(2));
                }
                CpuUse cpu = new CpuUse(Map.of(
                        "event-ingest", ingest.pid(),
                        "journey-engine", engine.pid(),
                        "message-dispatch", dispatch.pid(),
                        "postgres", postgres.pid(),
                        "kafka", kafka.handle().pid(),
                        "bench (load + streams)", ProcessHandle.current().pid()));
                // Warm up the path (JIT, pools, partitions' leaders) before anything is measured.
                level(ingest, dispatch, "warm", 200, 10, null, null);
                cpu.sinceLast();
                Thread.sleep(10_000);
                System.out.println("idle for 10 s after the warm-up, CPU: " + cpu.sinceLast());
                System.out.println();
                System.out.println(
                        "| events/s | sampled | p50 | p90 | p99 | max | p99 / floor p50 | CPU (100% = one core) |");
                System.out.println("|---|---|---|---|---|---|---|---|");
                Statements statements = new Statements(postgres);
                for (int rate : options.rates()) {
                    statements.reset();
                    cpu.sinceLast();
                    level(ingest, dispatch, "r" + rate, rate, duration, cpu, statements);
                }
                System.out.println();
                hops.forEach(System.out::println);
                System.out.printf("%nTarget (issue 14): p99 < 250 ms at 1,000 events/s.%n");
                System.out.printf(
                        "reference floor p50 %.1f ms, p99 %.1f ms%n",
                        Measure.quantile(floor, 0.5), Measure.quantile(floor, 0.99));
            }
        }
    }

    /**
     * One rate: {@value #STREAMS} users with a stream open, {@code rate × seconds} events of which one in
     * {@code total / STREAMS} is a streamed user's; prints a table row unless warming up.
     */
    private void level(
            ServiceProcess ingest,
            ServiceProcess dispatch,
            String tag,
            int rate,
            int seconds,
            CpuUse cpu,
            Statements statements)
            throws Exception {
        int total = rate * seconds;
        int sampled = Math.min(STREAMS, total);
        int every = Math.max(1, total / sampled);
        HttpClient streamsClient = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
        Map<String, Long> sentWall = new ConcurrentHashMap<>();
        Map<String, Long> arrivedWall = new ConcurrentHashMap<>();
        CountDownLatch opened = new CountDownLatch(sampled);
        CountDownLatch arrived = new CountDownLatch(sampled);
        List<Stream<String>> open = Collections.synchronizedList(new ArrayList<>());
        String run = tag + "-" + Long.toString(System.nanoTime(), 36) + "-";
        for (int i = 0; i < sampled; i++) {
            String user = run + "s" + i;
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create(dispatch.url() + "/v1/inbox/" + user + "/stream?userHash=" + hash(user)))
                    .header("Accept", "text/event-stream")
                    .build();
            Thread.ofVirtual().start(() -> {
                try {
                    Stream<String> lines = streamsClient
                            .send(request, HttpResponse.BodyHandlers.ofLines())
                            .body();
                    open.add(lines);
                    int[] data = {0};
                    lines.forEach(line -> {
                        if (line.startsWith("data:")) {
                            data[0]++;
                            if (data[0] == 1) {
                                opened.countDown();
                            } else if (!line.contains("\"messages\":[]")
                                    && arrivedAt.putIfAbsent(user, System.nanoTime()) == null) {
                                arrivedWall.put(user, System.currentTimeMillis());
                                arrived.countDown();
                            }
                        }
                    });
                } catch (Exception e) {
                    // The stream ended (closed at the end of the level): nothing more to read.
                }
            });
        }
        if (!opened.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(opened.getCount() + " inbox streams did not open");
        }

        String auth = "Basic " + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
            senders.add(Thread.ofVirtual().start(() -> {
                try (Http1 http = new Http1(URI.create(ingest.url()), "/v1/track", "Authorization: " + auth + "\r\n")) {
                    for (int n = next.getAndIncrement(); n < total; n = next.getAndIncrement()) {
                        long due = start + n * interval;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                        boolean streamed = n % every == 0 && n / every < sampled;
                        String user = streamed ? run + "s" + (n / every) : run + "u" + n;
                        String trace = streamed ? "traceparent: " + Hops.traceparent(traceId(user)) + "\r\n" : "";
                        long sent = System.nanoTime();
                        long wall = System.currentTimeMillis();
                        try {
                            int status =
                                    http.post(trace, "{\"userId\":\"" + user + "\",\"event\":\"Bench Signed Up\"}");
                            if (status != 200) {
                                failures.incrementAndGet();
                            } else if (streamed) {
                                sentAt.put(user, sent);
                                sentWall.put(user, wall);
                            }
                        } catch (java.io.IOException e) {
                            failures.incrementAndGet();
                        }
                    }
                }
            }));
        }
        for (Thread sender : senders) {
            sender.join();
        }
        double offered = total / ((System.nanoTime() - start) / 1e9);
        arrived.await(30, TimeUnit.SECONDS);
        String cpuUse = cpu == null ? "" : cpu.sinceLast();
        open.forEach(Stream::close);
        List<Double> latencies = new ArrayList<>();
        sentAt.forEach((user, sent) -> {
            Long got = arrivedAt.get(user);
            if (got != null) {
                latencies.add((got - sent) / 1e6);
            }
        });
        Collections.sort(latencies);
        if (cpu == null) {
            System.out.printf("warm-up: %d of %d sampled messages arrived%n", latencies.size(), sentAt.size());
            return;
        }
        System.out.printf(
                "| %,d (achieved %,.0f) | %d of %d | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.1f× | %s |%n",
                rate,
                offered,
                latencies.size(),
                sentAt.size(),
                Measure.quantile(latencies, 0.5),
                Measure.quantile(latencies, 0.9),
                Measure.quantile(latencies, 0.99),
                latencies.isEmpty() ? Double.NaN : latencies.getLast(),
                Measure.quantile(latencies, 0.99) / Math.max(0.001, floorP50),
                cpuUse);
        if (failures.get() > 0) {
            System.out.printf("  %,d POSTs failed%n", failures.get());
        }
        List<Hops.Sample> samples = new ArrayList<>();
        sentWall.forEach((user, posted) -> {
            Long got = arrivedWall.get(user);
            if (got != null) {
                samples.add(new Hops.Sample(traceId(user), posted, got));
            }
        });
        // Read before the hops are looked up: those queries are the benchmark's, not the services'.
        String database = statements.top(10, total);
        hops.add(String.format("%,d events/s", rate)
                + Hops.table(
                        samples, kafka.bootstrapServers(), postgres.jdbcUrl(), postgres.username(), postgres.password())
                + System.lineSeparator()
                + database);
    }

    /** The trace id a sampled user's event is sent with: 32 hex digits of the user id's hash. */
    private static String traceId(String user) {
        try {
            byte[] digest =
                    java.security.MessageDigest.getInstance("SHA-256").digest(user.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private double floorP50 = Double.NaN;
    private KafkaProcess kafka;
    private EmbeddedPostgresServer postgres;
    /** Each measured level's hops, printed after the table. */
    private final List<String> hops = new ArrayList<>();

    /** One record produced with acks=all and consumed, then one single-row commit: 300 times, one at a time. */
    private List<Double> floor(KafkaProcess kafka, EmbeddedPostgresServer postgres) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        List<Double> samples = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p);
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
                Connection db =
                        DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
                Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS bench_floor (id int PRIMARY KEY, at timestamptz)");
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("bench.floor", 1, (short) 1)))
                        .all()
                        .get();
            }
            producer.send(new ProducerRecord<>("bench.floor", "warm", "warm")).get();
            TopicPartition tp = new TopicPartition("bench.floor", 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            for (int i = 0; i < 330; i++) {
                long t0 = System.nanoTime();
                producer.send(new ProducerRecord<>("bench.floor", "k", "v" + i)).get();
                int got = 0;
                while (got == 0) {
                    got = consumer.poll(Duration.ofMillis(500)).count();
                }
                s.execute("INSERT INTO bench_floor VALUES (" + (i % 10)
                        + ", now()) ON CONFLICT (id) DO UPDATE SET at = now()");
                if (i >= 30) {
                    samples.add((System.nanoTime() - t0) / 1e6);
                }
            }
        }
        Collections.sort(samples);
        floorP50 = Measure.quantile(samples, 0.5);
        return samples;
    }

    private static String hash(String user) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(LocalSecrets.INBOX_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
    }
}
