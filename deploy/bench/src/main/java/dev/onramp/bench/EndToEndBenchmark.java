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
import java.nio.file.Files;
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
        Bench.banner("end-to-end latency benchmark");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        dir.resolve("postgres"), FreePorts.find(), dir.resolve("postgres.log"));
                KafkaProcess kafka = KafkaProcess.start(
                        dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"));
                GreenMailSmtp smtp = GreenMailSmtp.start(0)) {
            List<Double> floor = floor(kafka, postgres);
            System.out.printf(
                    "reference floor (Kafka produce acks=all + consume, then one PostgreSQL commit), %d samples:"
                            + " p50 %.1f ms, p99 %.1f ms%n",
                    floor.size(), quantile(floor, 0.5), quantile(floor, 0.99));

            // The topics first: a consumer that subscribes before its topic exists waits for a metadata refresh.
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(Stream.of("onramp.events", "onramp.message-requests", "onramp.delivery-events")
                                .map(t -> new org.apache.kafka.clients.admin.NewTopic(t, 6, (short) 1))
                                .toList())
                        .all()
                        .get();
            }
            Path journeys = dir.resolve("journeys");
            Files.createDirectories(journeys.resolve("templates"));
            Files.writeString(journeys.resolve("templates/welcome.in_app.txt"), "title: Welcome\n\nYour first step.\n");
            Files.writeString(journeys.resolve("bench.yaml"), """
                    journey: bench
                    trigger: { event: Bench Signed Up }
                    steps:
                      - { id: welcome, done_when: { event: Bench Welcomed }, nudge: { after: 0s, channel: in_app, template: welcome } }
                    """);
            ServiceProcess ingest = IngestBenchmark.ingest(root, dir, kafka);
            ServiceProcess engine = EngineBenchmark.engine(root, dir, kafka, postgres, journeys);
            ServiceProcess dispatch = DispatchBenchmark.dispatch(
                    root, dir, kafka, postgres, smtp, journeys.resolve("templates"), Map.of());
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
                        "kafka", kafka.handle().pid()));
                // Warm up the path (JIT, pools, partitions' leaders) before anything is measured.
                level(ingest, dispatch, "warm", 200, 10, null);
                System.out.println();
                System.out.println(
                        "| events/s | sampled | p50 | p90 | p99 | max | p99 / floor p50 | CPU (100% = one core) |");
                System.out.println("|---|---|---|---|---|---|---|---|");
                for (int rate : new int[] {100, 1_000}) {
                    cpu.sinceLast();
                    level(ingest, dispatch, "r" + rate, rate, duration, cpu);
                }
                System.out.printf("%nTarget (issue 14): p99 < 250 ms at 1,000 events/s.%n");
                System.out.printf(
                        "reference floor p50 %.1f ms, p99 %.1f ms%n", quantile(floor, 0.5), quantile(floor, 0.99));
            }
        }
    }

    /**
     * One rate: {@value #STREAMS} users with a stream open, {@code rate × seconds} events of which one in
     * {@code total / STREAMS} is a streamed user's; prints a table row unless warming up.
     */
    private void level(ServiceProcess ingest, ServiceProcess dispatch, String tag, int rate, int seconds, CpuUse cpu)
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

        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String auth = "Basic " + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
            senders.add(Thread.ofVirtual().start(() -> {
                for (int n = next.getAndIncrement(); n < total; n = next.getAndIncrement()) {
                    long due = start + n * interval;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    boolean streamed = n % every == 0 && n / every < sampled;
                    String user = streamed ? run + "s" + (n / every) : run + "u" + n;
                    HttpRequest post = HttpRequest.newBuilder(URI.create(ingest.url() + "/v1/track"))
                            .header("Authorization", auth)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"userId\":\"" + user + "\",\"event\":\"Bench Signed Up\"}"))
                            .build();
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<Void> r = http.send(post, HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != 200) {
                            failures.incrementAndGet();
                        } else if (streamed) {
                            sentAt.put(user, sent);
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
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
                quantile(latencies, 0.5),
                quantile(latencies, 0.9),
                quantile(latencies, 0.99),
                latencies.isEmpty() ? Double.NaN : latencies.getLast(),
                quantile(latencies, 0.99) / Math.max(0.001, floorP50),
                cpuUse);
        if (failures.get() > 0) {
            System.out.printf("  %,d POSTs failed%n", failures.get());
        }
    }

    private double floorP50 = Double.NaN;

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
        floorP50 = quantile(samples, 0.5);
        return samples;
    }

    private static double quantile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    private static String hash(String user) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(LocalSecrets.INBOX_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
    }
}
