package dev.onramp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Entry point of {@code deploy/bench/run}. */
public final class Bench {

    /** The working folders of this run: databases, broker logs, service logs. */
    private static final List<Path> WORK_DIRS = new ArrayList<>();

    private Bench() {}

    /**
     * A folder for one benchmark's databases and logs, removed when the run succeeds (an engine run leaves gigabytes),
     * kept, and named, when it fails or {@code ONRAMP_BENCH_KEEP=1}.
     */
    static synchronized Path workDir(String name) throws IOException {
        Path dir = Files.createTempDirectory("onramp-bench-" + name);
        WORK_DIRS.add(dir);
        return dir;
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.LogManager.getLogManager()
                .readConfiguration(new java.io.ByteArrayInputStream(
                        ".level=WARNING\norg.apache.kafka.level=SEVERE\nhandlers=java.util.logging.ConsoleHandler\n"
                                .getBytes()));
        String which = args.length == 0 ? "--help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        try {
            run(which, rest);
        } catch (Exception | Error e) {
            WORK_DIRS.forEach(dir -> System.err.println("logs and data of the failed run kept in " + dir));
            throw e;
        }
        if ("1".equals(System.getenv("ONRAMP_BENCH_KEEP"))) {
            WORK_DIRS.forEach(dir -> System.out.println("kept " + dir));
        } else {
            WORK_DIRS.forEach(Bench::delete);
        }
        System.exit(0);
    }

    private static void run(String which, String[] rest) throws Exception {
        switch (which) {
            case "ingest" -> new IngestBenchmark(Options.parse(rest)).run();
            case "engine" -> new EngineBenchmark(Options.parse(rest)).run();
            case "dispatch" -> new DispatchBenchmark(Options.parse(rest)).run();
            case "journeys" -> new JourneysBenchmark().run();
            case "console" -> new ConsoleBenchmark(Options.parse(rest)).run();
            case "e2e" -> new EndToEndBenchmark(Options.parse(rest)).run();
            case "start" -> new StartBenchmark().run();
            case "growth" -> new GrowthBenchmark(rest).run();
            case "broadcast" -> new BroadcastBenchmark(Options.parse(rest)).run();
            default -> {
                System.out.println("""
                        Usage: deploy/bench/run <benchmark> [--duration 20s] [--records N]

                          ingest   event-ingest: single events over keep-alive HTTP and batches of 100,
                                   beside the raw Kafka producer for the same records in the same run
                          engine   journey-engine: sustained events/s with durable commits, and 1,000,000 timers
                                   due at once, beside single-row upserts of the same PostgreSQL in the same run
                                   (--records: users for the events; 4 events each)
                          dispatch message-dispatch: in-app messages/s into the inbox and emails/s into a local SMTP
                                   server, beside single-row inserts and a plain SMTP client in the same run
                                   (--records: in-app messages, default 200,000; a quarter as many emails)
                          journeys onramp validate and test on 100 journeys with 1,000 scenarios
                          e2e      event → in-app message over SSE through the three services at 100 and 1,000
                                   events/s (--rates 100,500,1000 for others; --duration per rate, default 20 s),
                                   with where the time went hop by hop, beside a Kafka round trip plus one
                                   PostgreSQL commit in the same run; the services run with the local stack's
                                   JVM flags (serial GC, C1), or the JVM's defaults with --jvm default
                          growth   journey-engine's events/s and CPU per event with 1, 20 and 200 journeys loaded
                                   and 10⁴, 10⁶ and 10⁷ users' state in PostgreSQL (--journeys 1,20,200
                                   --users 10000,1000000 to choose; --sample: users whose events each cell
                                   measures, 4 events each, default 10,000)
                          broadcast one in-app broadcast to every one of 1,000,000 users (--records N),
                                   timed until each message is in its user's inbox, beside single-row inserts
                                   of the same PostgreSQL; then the first email of an email broadcast to them,
                                   and journey-engine's resident memory throughout
                          start    each service started on its own, launch to ready, with the local stack's JVM
                                   flags and with the JVM's defaults
                          console  the growth console's journey page and the funnel API over 10,000,000 enrollments
                                   and 50,000,000 decisions (--records: enrollments), beside counting the same
                                   figures over the enrollments, as the engine did before it kept counts""");
                System.exit(which.equals("--help") ? 0 : 2);
            }
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + dir, e);
        }
    }

    /** Command-line options shared by the benchmarks. */
    /** The first line of a benchmark's report: what, when, on how many cores, with which JVM. */
    /**
     * Collector and compiler flags for the services a benchmark starts; the JVM's defaults unless a benchmark chooses
     * (the end-to-end one runs them as the local stack does). One benchmark runs per process.
     */
    static List<String> serviceJvm = List.of();

    /** The local stack's collector and compiler (deploy/stack's {@code Stack.services}): serial GC, C1 only. */
    static final List<String> STACK_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /**
     * A journey folder with one journey whose first nudge is in-app after 0 s, triggered by {@code Bench Signed Up}:
     * what the end-to-end and start benchmarks run.
     */
    static Path inAppJourney(Path dir) throws IOException {
        Path journeys = dir.resolve("journeys");
        Files.createDirectories(journeys.resolve("templates"));
        Files.writeString(journeys.resolve("templates/welcome.in_app.txt"), "title: Welcome\n\nYour first step.\n");
        Files.writeString(journeys.resolve("bench.yaml"), """
                journey: bench
                trigger: { event: Bench Signed Up }
                steps:
                  - { id: welcome, done_when: { event: Bench Welcomed }, nudge: { after: 0s, channel: in_app, template: welcome } }
                """);
        return journeys;
    }

    /**
     * A producer for the backlogs the benchmarks write before they measure: {@code acks=all}, a 5 ms linger and lz4,
     * so that writing the backlog takes little of the time measured after it.
     */
    static org.apache.kafka.clients.producer.KafkaProducer<String, String> backlogProducer(String bootstrap) {
        return new org.apache.kafka.clients.producer.KafkaProducer<>(
                java.util.Map.of(
                        org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG,
                        "all",
                        org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        org.apache.kafka.clients.producer.ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        "lz4"),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer());
    }

    static void banner(String what) {
        System.out.printf(
                "%s — %s, %d cores, %s%n",
                what,
                java.time.Instant.now(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }

    /**
     * @param rates the event rates the end-to-end benchmark measures, one level each
     * @param jvm the end-to-end benchmark's service flags: {@code stack} (the local stack's) or {@code default}
     */
    record Options(int durationSeconds, int records, int connections, List<Integer> rates, String jvm) {
        static Options parse(String[] args) {
            List<Integer> rates = List.of(100, 1_000);
            String jvm = "stack";
            int duration = 20;
            int records = 1_000_000;
            int connections = 128;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--duration" -> duration = Integer.parseInt(args[++i].replace("s", ""));
                    case "--records" -> records = Integer.parseInt(args[++i].replace("_", ""));
                    case "--connections" -> connections = Integer.parseInt(args[++i]);
                    case "--jvm" -> jvm = args[++i];
                    case "--rates" ->
                        rates = java.util.Arrays.stream(args[++i].split(","))
                                .map(r -> Integer.parseInt(r.trim().replace("_", "")))
                                .toList();
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (!jvm.equals("stack") && !jvm.equals("default")) {
                throw new IllegalArgumentException("--jvm is stack or default, not " + jvm);
            }
            return new Options(duration, records, connections, rates, jvm);
        }
    }
}
