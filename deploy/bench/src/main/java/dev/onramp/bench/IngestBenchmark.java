package dev.onramp.bench;

import dev.onramp.infra.FreePorts;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * event-ingest against the raw Kafka producer, in one run on one broker: the producer writes the same records with
 * the same settings (idempotent, acks=all, lz4) as fast as it can; then wrk posts single events over keep-alive
 * connections, and batches of 100.
 */
final class IngestBenchmark {

    static final String KEY = dev.onramp.infra.LocalSecrets.writeKey("bench");
    private final Bench.Options options;

    IngestBenchmark(Bench.Options options) {
        this.options = options;
    }

    /** event-ingest on this run's broker, with a "bench" source whose rate limit never binds; not started. */
    static ServiceProcess ingest(Path root, Path dir, KafkaProcess kafka) {
        return new ServiceProcess(
                "event-ingest",
                ServiceProcess.jarOf(root, "event-ingest"),
                FreePorts.find(),
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        kafka.bootstrapServers(),
                        "ONRAMP_INGEST_SOURCES_BENCH_WRITE_KEY",
                        KEY,
                        "ONRAMP_INGEST_SOURCES_BENCH_RATE_LIMIT",
                        "100000000"),
                dir.resolve("event-ingest.log"),
                jvmOptions());
    }

    void run() throws Exception {
        Path dir = Bench.workDir("ingest");
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        Bench.banner("event-ingest benchmark");
        try (KafkaProcess kafka = KafkaProcess.start(
                dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("onramp.events", 6, (short) 1)))
                        .all()
                        .get();
            }
            double raw = rawProducer(kafka.bootstrapServers(), options.records());
            System.out.printf(
                    "raw Kafka producer: %,.0f records/s (%,d records of %d bytes)%n",
                    raw, options.records(), record(1).length);

            ServiceProcess ingest = ingest(root, dir, kafka);
            try (ingest) {
                ingest.start().awaitReady(Duration.ofSeconds(120));
                Path single = Wrk.script(singleScript());
                Path batch = Wrk.script(batchScript());
                Wrk.run(ingest.url() + "/v1/track", single, 32, 10);
                Wrk.run(ingest.url() + "/v1/batch", batch, 8, 5);

                CpuUse cpu = new CpuUse(Map.of(
                        "event-ingest", ingest.pid(), "kafka", kafka.handle().pid()));
                Wrk.Result one =
                        Wrk.run(ingest.url() + "/v1/track", single, options.connections(), options.durationSeconds());
                String singleCpu = cpu.sinceLast();
                Wrk.Result hundred = Wrk.run(ingest.url() + "/v1/batch", batch, 16, options.durationSeconds());
                String batchCpu = cpu.sinceLast();
                double batchEvents = hundred.requestsPerSecond() * 100;
                System.out.println();
                System.out.println("| measure | result | target |");
                System.out.println("|---|---|---|");
                System.out.printf("| raw Kafka producer (reference) | %,.0f records/s | |%n", raw);
                System.out.printf(
                        "| single events, %d keep-alive connections | %,.0f events/s, p50 %.1f ms, p99 %.1f ms, %d errors | ≥ 20,000/s, p99 < 20 ms |%n",
                        options.connections(), one.requestsPerSecond(), one.p50(), one.p99(), one.errors());
                System.out.printf(
                        "| batches of 100, 16 connections | %,.0f events/s (%,.0f calls/s), p50 %.1f ms, p99 %.1f ms, %d errors | |%n",
                        batchEvents, hundred.requestsPerSecond(), hundred.p50(), hundred.p99(), hundred.errors());
                System.out.printf("| batches ÷ raw producer | %.0f%% | ≥ 60%% |%n", 100 * batchEvents / raw);
                System.out.printf("| single events ÷ raw producer | %.0f%% | |%n", 100 * one.requestsPerSecond() / raw);
                System.out.println();
                System.out.println("CPU during single events: " + singleCpu + "; during batches: " + batchCpu
                        + " (100% = one core, of " + Runtime.getRuntime().availableProcessors()
                        + "; everything else: wrk, one thread, and the kernel)");
            }
        }
    }

    /**
     * The service's JVM options: a 512 MB heap, {@link Bench#serviceJvm} (the end-to-end benchmark's choice of
     * collector and compiler), and ONRAMP_BENCH_JVM_OPTS, such as a flight recording.
     */
    static List<String> jvmOptions() {
        List<String> options = new java.util.ArrayList<>(List.of("-Xms512m", "-Xmx512m"));
        options.addAll(Bench.serviceJvm);
        String extra = System.getenv("ONRAMP_BENCH_JVM_OPTS");
        if (extra != null && !extra.isBlank()) {
            options.addAll(List.of(extra.trim().split("\\s+")));
        }
        return options;
    }

    static byte[] record(long i) {
        // The size and shape of what event-ingest writes for a track call.
        return ("{\"type\":\"track\",\"messageId\":\"" + java.util.UUID.randomUUID() + "\",\"userId\":\"user-"
                        + (i % 100_000)
                        + "\",\"anonymousId\":null,\"event\":\"Bench Event\",\"properties\":{\"plan\":\"team\",\"seats\":3,\"source\":\"benchmark\"},"
                        + "\"traits\":{},\"context\":{\"library\":{\"name\":\"wrk\"}},\"timestamp\":\"2026-11-22T10:00:00.000Z\","
                        + "\"receivedAt\":\"2026-11-22T10:00:00.000Z\",\"sourceId\":\"bench\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static double rawProducer(String bootstrap, int count) throws Exception {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.LINGER_MS_CONFIG,
                2,
                ProducerConfig.BATCH_SIZE_CONFIG,
                64 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4");
        byte[][] values = new byte[10_000][];
        for (int i = 0; i < values.length; i++) {
            values[i] = record(i);
        }
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 50_000; i++) {
                producer.send(
                        new ProducerRecord<>("onramp.events", "user-" + (i % 100_000), values[i % values.length]));
            }
            producer.flush();
            CountDownLatch done = new CountDownLatch(count);
            AtomicLong failed = new AtomicLong();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                producer.send(
                        new ProducerRecord<>("onramp.events", "user-" + (i % 100_000), values[i % values.length]),
                        (m, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                            }
                            done.countDown();
                        });
            }
            if (!done.await(5, TimeUnit.MINUTES) || failed.get() > 0) {
                throw new IllegalStateException("the raw producer failed " + failed.get() + " records");
            }
            return count / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static String auth() {
        return "Basic " + Base64.getEncoder().encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8));
    }

    private static String singleScript() {
        return """
                wrk.method = "POST"
                wrk.headers["Content-Type"] = "application/json"
                wrk.headers["Authorization"] = "%s"
                local counter = 0
                request = function()
                  counter = counter + 1
                  local body = '{"userId":"user-' .. (counter %% 100000) .. '","event":"Bench Event","properties":{"plan":"team","seats":3,"source":"benchmark"},"context":{"library":{"name":"wrk"}}}'
                  return wrk.format(nil, nil, nil, body)
                end
                """.formatted(auth());
    }

    private static String batchScript() {
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 100; i++) {
            batch.append(i == 0 ? "" : ",")
                    .append("{\"type\":\"track\",\"userId\":\"user-")
                    .append(i * 997 % 100_000)
                    .append(
                            "\",\"event\":\"Bench Event\",\"properties\":{\"plan\":\"team\",\"seats\":3,\"source\":\"benchmark\"}}");
        }
        batch.append("],\"context\":{\"library\":{\"name\":\"wrk\"}}}");
        return """
                wrk.method = "POST"
                wrk.headers["Content-Type"] = "application/json"
                wrk.headers["Authorization"] = "%s"
                wrk.body = '%s'
                """.formatted(auth(), batch);
    }
}
