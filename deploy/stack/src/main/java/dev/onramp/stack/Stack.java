package dev.onramp.stack;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.GreenMailSmtp;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.ServiceProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The whole of Onramp on this machine, with no Docker: PostgreSQL and a Kafka broker as local processes, an SMTP
 * server with a mail viewer, the three packaged services and the example journeys. Ctrl-C stops everything it
 * started. All state lives in one data directory, reused by the next start.
 */
public final class Stack {

    private final Settings settings;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    private Stack(Settings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) {
        quietLogging();
        Settings settings;
        try {
            settings = Settings.from(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("onramp: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(new Stack(settings).run());
    }

    /** The launcher speaks for itself; the libraries it uses only when something is wrong. */
    private static void quietLogging() {
        String config = """
                handlers=java.util.logging.ConsoleHandler
                .level=WARNING
                org.apache.kafka.level=SEVERE
                io.zonky.level=WARNING
                com.icegreen.level=WARNING
                """;
        try {
            java.util.logging.LogManager.getLogManager()
                    .readConfiguration(
                            new java.io.ByteArrayInputStream(config.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // keep the default logging
        }
    }

    private int run() {
        FileLock lock;
        try {
            Files.createDirectories(settings.logs());
            Files.createDirectories(settings.data().resolve("cds"));
            lock = FileChannel.open(
                            settings.data().resolve("stack.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)
                    .tryLock();
        } catch (IOException e) {
            System.err.println("onramp: cannot use " + settings.data() + ": " + e.getMessage());
            return 1;
        }
        if (lock == null) {
            System.err.println("onramp: another deploy/run is using " + settings.data()
                    + "; stop it first (Ctrl-C in its terminal).");
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "onramp-stop"));
        try {
            Pids.stopStale(settings.data());
            checkPorts();
            say("Onramp local stack — data in %s, logs in %s", settings.data(), settings.logs());

            var postgres = step(
                    "PostgreSQL",
                    () -> EmbeddedPostgresServer.start(
                            settings.data().resolve("postgres"),
                            settings.postgresPort(),
                            settings.logs().resolve("postgres.log")));
            Pids.record(
                    settings.data(), "postgres", Pids.postmaster(settings.data().resolve("postgres")));
            say("  PostgreSQL        127.0.0.1:%d", postgres.port());

            var kafka = step(
                    "Kafka",
                    () -> KafkaProcess.start(
                            settings.data().resolve("kafka"),
                            settings.kafkaPort(),
                            settings.kafkaPort() + 1,
                            settings.logs().resolve("kafka.log")));
            Pids.record(settings.data(), "kafka", kafka.handle().pid());
            say("  Kafka             %s", kafka.bootstrapServers());

            var smtp = step("SMTP", () -> GreenMailSmtp.start(settings.smtpPort()));
            MailViewer viewer = new MailViewer(smtp, settings.mailViewerPort());
            started.add(viewer);
            say("  SMTP              127.0.0.1:%d (mail viewer %s)", smtp.smtpPort(), viewer.url());

            Map<String, ServiceProcess> services = services();
            services.values().forEach(s -> {
                s.start();
                started.add(s);
                Pids.record(settings.data(), s.name(), s.pid());
            });
            for (ServiceProcess service : services.values()) {
                service.awaitReady(Duration.ofSeconds(120));
                say("  %-17s %s", service.name(), service.url());
            }
            say("");
            say(
                    "Journeys from %s; ingest write key '%s'; admin token '%s'.",
                    settings.journeys(),
                    settings.secrets().writeKey(),
                    settings.secrets().adminToken());
            say(
                    "Send an event:  curl -u %s: -H 'Content-Type: application/json' -d '{\"userId\":\"u-1\",\"event\":\"Signed Up\"}' %s/v1/track",
                    settings.secrets().writeKey(), services.get("event-ingest").url());
            say(
                    "Ask why:        curl -H 'Authorization: Bearer %s' %s/v1/users/u-1/journeys",
                    settings.secrets().adminToken(),
                    services.get("journey-engine").url());
            say(
                    "Growth console: %s/console (log in with the admin token)",
                    services.get("journey-engine").url());

            if (settings.demo()) {
                say("");
                try {
                    new Demo(settings, services, smtp, viewer.url(), this::say).play();
                } catch (Exception e) {
                    say("The demo stopped: %s (the stack keeps running; logs in %s)", e.getMessage(), settings.logs());
                }
            }
            say("");
            say("Running. Ctrl-C stops everything.");
            watch(services);
            return 0;
        } catch (Exception e) {
            System.err.println("onramp: " + e.getMessage());
            return 1;
        }
    }

    /** Waits for Ctrl-C, saying so if a service dies meanwhile. */
    private void watch(Map<String, ServiceProcess> services) throws InterruptedException {
        java.util.Set<String> reported = new java.util.HashSet<>();
        while (!stopped.await(2, java.util.concurrent.TimeUnit.SECONDS)) {
            for (ServiceProcess service : services.values()) {
                if (!stopping && !service.alive() && reported.add(service.name())) {
                    say(
                            "%s stopped unexpectedly; its log: %s",
                            service.name(), settings.logs().resolve(service.name() + ".log"));
                }
            }
        }
    }

    private Map<String, ServiceProcess> services() {
        String jdbc = settings.jdbcUrl();
        List<String> jvm = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        Map<String, ServiceProcess> services = new LinkedHashMap<>();
        services.put(
                "event-ingest",
                service(
                        "event-ingest",
                        "event-ingest",
                        settings.ingestPort(),
                        jvm,
                        Map.of(
                                "KAFKA_BOOTSTRAP_SERVERS",
                                settings.kafka(),
                                "ONRAMP_INGEST_SOURCES_DEMO_WRITE_KEY",
                                settings.secrets().writeKey())));
        Map<String, String> engine = new LinkedHashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                settings.kafka(),
                "QUARKUS_DATASOURCE_JDBC_URL",
                jdbc,
                "QUARKUS_DATASOURCE_USERNAME",
                "postgres",
                "QUARKUS_DATASOURCE_PASSWORD",
                "postgres",
                "ONRAMP_ENGINE_JOURNEYS_DIR",
                settings.journeys().toString(),
                "ONRAMP_ENGINE_ADMIN_TOKEN",
                settings.secrets().adminToken()));
        engine.put("ONRAMP_ENGINE_DISPATCH_URL", "http://127.0.0.1:" + settings.dispatchPort());
        engine.put("ONRAMP_ENGINE_DISPATCH_ADMIN_TOKEN", settings.secrets().adminToken());
        if (settings.demo()) {
            engine.put("ONRAMP_ENGINE_TIME_SCALE", Integer.toString(Settings.DEMO_TIME_SCALE));
        }
        services.put(
                "journey-engine",
                service("journey-engine", "journey-engine/service", settings.enginePort(), jvm, engine));
        services.put(
                "message-dispatch",
                service(
                        "message-dispatch",
                        "message-dispatch/service",
                        settings.dispatchPort(),
                        jvm,
                        Map.ofEntries(
                                Map.entry("KAFKA_BOOTSTRAP_SERVERS", settings.kafka()),
                                Map.entry("QUARKUS_DATASOURCE_JDBC_URL", jdbc),
                                Map.entry("QUARKUS_DATASOURCE_USERNAME", "postgres"),
                                Map.entry("QUARKUS_DATASOURCE_PASSWORD", "postgres"),
                                Map.entry("QUARKUS_MAILER_PORT", Integer.toString(settings.smtpPort())),
                                Map.entry(
                                        "ONRAMP_DISPATCH_TEMPLATES_DIR",
                                        settings.journeys().resolve("templates").toString()),
                                Map.entry(
                                        "ONRAMP_DISPATCH_INBOX_SECRET",
                                        settings.secrets().inboxSecret()),
                                Map.entry(
                                        "ONRAMP_DISPATCH_LINKS_SECRET",
                                        settings.secrets().linksSecret()),
                                Map.entry(
                                        "ONRAMP_DISPATCH_ADMIN_TOKEN",
                                        settings.secrets().adminToken()),
                                Map.entry("ONRAMP_DISPATCH_PUBLIC_URL", "http://127.0.0.1:" + settings.dispatchPort()),
                                // The example journeys are Acme's: their emails come from "Belle at Acme".
                                Map.entry(
                                        "ONRAMP_DISPATCH_EMAIL_FROM",
                                        System.getenv()
                                                .getOrDefault(
                                                        "ONRAMP_DISPATCH_EMAIL_FROM",
                                                        "Acme <onboarding@acme.localhost>")))));
        return services;
    }

    /**
     * A service with the stack's JVM flags (serial GC and C1 only: the fastest on two cores shared with the
     * infrastructure, docs/performance.md) and a class-data archive of its own in the data folder, written by its
     * first start and mapped by the next ones (and rewritten when its jar changes): started on its own, each is ready
     * in about half the time ({@code deploy/bench/run start}).
     */
    private ServiceProcess service(String name, String module, int port, List<String> jvm, Map<String, String> env) {
        List<String> flags = new java.util.ArrayList<>(jvm);
        flags.add("-XX:+AutoCreateSharedArchive");
        flags.add("-XX:SharedArchiveFile=" + settings.data().resolve("cds").resolve(name + ".jsa"));
        // Writing the archive lists the classes it leaves out as warnings in the service's log (a few dozen).
        flags.add("-Xlog:cds*=off");
        return new ServiceProcess(
                name,
                ServiceProcess.jarOf(settings.root(), module),
                port,
                env,
                settings.logs().resolve(name + ".log"),
                flags);
    }

    private <T extends AutoCloseable> T step(String what, java.util.function.Supplier<T> start) {
        try {
            T service = start.get();
            started.add(service);
            return service;
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    what + " did not start: " + e.getMessage() + " (logs in " + settings.logs() + ")", e);
        }
    }

    private void checkPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("ONRAMP_INGEST_PORT", settings.ingestPort());
        ports.put("ONRAMP_ENGINE_PORT", settings.enginePort());
        ports.put("ONRAMP_DISPATCH_PORT", settings.dispatchPort());
        ports.put("ONRAMP_KAFKA_PORT", settings.kafkaPort());
        ports.put("ONRAMP_KAFKA_PORT (+1, the controller)", settings.kafkaPort() + 1);
        ports.put("ONRAMP_POSTGRES_PORT", settings.postgresPort());
        ports.put("ONRAMP_SMTP_PORT", settings.smtpPort());
        ports.put("ONRAMP_MAIL_VIEWER_PORT", settings.mailViewerPort());
        List<String> busy = new ArrayList<>();
        ports.forEach((name, port) -> {
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                busy.add(port + " (" + name + ")");
            }
        });
        if (!busy.isEmpty()) {
            throw new IllegalStateException("ports in use by another program: " + String.join(", ", busy)
                    + "; stop it or choose other ports with these variables");
        }
    }

    private synchronized void stopAll() {
        if (stopping) {
            return;
        }
        stopping = true;
        if (!started.isEmpty()) {
            say("Stopping…");
        }
        for (AutoCloseable service : started.reversed()) {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("onramp: stopping " + service + " failed: " + e.getMessage());
            }
        }
        started.clear();
        Pids.clear(settings.data());
        stopped.countDown();
    }

    private void say(String format, Object... args) {
        System.out.println(args.length == 0 ? format : String.format(format, args));
    }

    /** Pid files of what a previous run started, so a run killed without cleaning up is cleaned up by the next. */
    static final class Pids {
        private Pids() {}

        static void record(Path data, String name, long pid) {
            if (pid <= 0) {
                return;
            }
            try {
                Files.createDirectories(data.resolve("pids"));
                Files.writeString(data.resolve("pids").resolve(name + ".pid"), Long.toString(pid));
            } catch (IOException e) {
                System.err.println("onramp: cannot record the pid of " + name + ": " + e.getMessage());
            }
        }

        static long postmaster(Path postgresData) {
            try {
                return Long.parseLong(Files.readAllLines(postgresData.resolve("postmaster.pid"))
                        .getFirst()
                        .trim());
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        static void stopStale(Path data) {
            Path dir = data.resolve("pids");
            if (!Files.isDirectory(dir)) {
                return;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    long pid = Long.parseLong(Files.readString(file).trim());
                    ProcessHandle.of(pid)
                            .filter(ProcessHandle::isAlive)
                            .filter(Pids::ours)
                            .ifPresent(p -> {
                                System.out.println("Stopping "
                                        + file.getFileName().toString().replace(".pid", "") + " (pid " + pid
                                        + ") left running by an earlier run");
                                p.destroy();
                                try {
                                    p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                                } catch (Exception e) {
                                    p.destroyForcibly();
                                }
                            });
                    Files.deleteIfExists(file);
                }
            } catch (IOException | NumberFormatException e) {
                System.err.println("onramp: cannot read " + dir + ": " + e.getMessage());
            }
        }

        /** A pid may have been reused since: only stop a java or postgres process. */
        private static boolean ours(ProcessHandle process) {
            String command = process.info().command().orElse("");
            return command.endsWith("java") || command.endsWith("postgres");
        }

        static void clear(Path data) {
            try (Stream<Path> files = Files.list(data.resolve("pids"))) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException ignored) {
                // nothing recorded
            }
        }
    }
}
