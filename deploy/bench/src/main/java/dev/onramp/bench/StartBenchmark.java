package dev.onramp.bench;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.GreenMailSmtp;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long each service takes to start on its own, the others stopped and the infrastructure up: from launching the
 * JVM to its readiness check answering 200 (looked at every 10 ms), and Quarkus' own "started in" figure. With the
 * local stack's JVM flags and with the JVM's defaults; a first start of each (its migrations) is not counted.
 */
final class StartBenchmark {

    private static final int RUNS = 3;
    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");

    void run() throws Exception {
        Path dir = Bench.workDir("start");
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        Bench.banner("service start benchmark");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        dir.resolve("postgres"), FreePorts.find(), dir.resolve("postgres.log"));
                KafkaProcess kafka = KafkaProcess.start(
                        dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"));
                GreenMailSmtp smtp = GreenMailSmtp.start(0)) {
            Path journeys = Bench.inAppJourney(dir);
            Map<String, Function<Path, ServiceProcess>> services = new java.util.LinkedHashMap<>();
            services.put("event-ingest", d -> IngestBenchmark.ingest(root, d, kafka));
            services.put("journey-engine", d -> EngineBenchmark.engine(root, d, kafka, postgres, journeys));
            services.put(
                    "message-dispatch",
                    d -> DispatchBenchmark.dispatch(
                            root, d, kafka, postgres, smtp.smtpPort(), journeys.resolve("templates"), Map.of()));
            System.out.println();
            System.out.println(
                    "| service | JVM flags | launch → ready, median (runs) | Quarkus \"started in\", median |");
            System.out.println("|---|---|---|---|");
            for (String jvm : List.of("stack", "stack+cds", "default")) {
                for (var service : services.entrySet()) {
                    List<String> flags = new ArrayList<>(jvm.equals("default") ? List.of() : Bench.STACK_JVM);
                    if (jvm.equals("stack+cds")) {
                        // The first (uncounted) start writes the class-data archive as it exits; the others map it.
                        flags.addAll(List.of(
                                "-XX:+AutoCreateSharedArchive",
                                "-XX:SharedArchiveFile=" + dir.resolve(service.getKey() + ".jsa")));
                    }
                    Bench.serviceJvm = flags;
                    List<Double> ready = new ArrayList<>();
                    List<Double> started = new ArrayList<>();
                    for (int run = 0; run <= RUNS; run++) {
                        Path runDir = dir.resolve(service.getKey() + "-" + jvm + "-" + run);
                        Files.createDirectories(runDir);
                        double[] took = startOnce(service.getValue().apply(runDir), runDir);
                        if (run > 0) {
                            ready.add(took[0]);
                            started.add(took[1]);
                        }
                    }
                    List<Double> sortedReady = new ArrayList<>(ready);
                    Collections.sort(sortedReady);
                    Collections.sort(started);
                    System.out.printf(
                            "| %s | %s | %.2f s (%s) | %.2f s |%n",
                            service.getKey(),
                            switch (jvm) {
                                case "stack" ->
                                    "-Xmx512m " + String.join(" ", Bench.STACK_JVM) + " (the local stack's)";
                                case "stack+cds" -> "the same, with -XX:+AutoCreateSharedArchive";
                                default -> "-Xmx512m (the JVM's defaults)";
                            },
                            Measure.quantile(sortedReady, 0.5),
                            String.join(
                                    ", ",
                                    ready.stream()
                                            .map(t -> String.format("%.2f", t))
                                            .toList()),
                            Measure.quantile(started, 0.5));
                }
            }
            System.out.printf("%nTarget (issue 14): each service ready in < 3 s on its own, in JVM mode.%n");
        }
    }

    /** Seconds from launch to ready, and Quarkus' "started in". */
    private static double[] startOnce(ServiceProcess service, Path dir) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(service.url() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2))
                .build();
        try (service) {
            long start = System.nanoTime();
            service.start();
            long deadline = start + Duration.ofMinutes(2).toNanos();
            while (true) {
                if (System.nanoTime() > deadline || !service.alive()) {
                    service.awaitReady(Duration.ofMillis(1)); // fails with the end of its log
                }
                try {
                    if (client.send(ready, HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200) {
                        break;
                    }
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(10);
            }
            double readyAfter = (System.nanoTime() - start) / 1e9;
            double startedIn = Double.NaN;
            for (int i = 0; i < 50 && Double.isNaN(startedIn); i++) {
                Matcher m = STARTED.matcher(Files.readString(dir.resolve(service.name() + ".log")));
                if (m.find()) {
                    startedIn = Double.parseDouble(m.group(1));
                } else {
                    Thread.sleep(20);
                }
            }
            return new double[] {readyAfter, startedIn};
        }
    }
}
