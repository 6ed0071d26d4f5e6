package dev.onramp.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A real single-node KRaft broker as a separate process ({@code kafka.Kafka} from Kafka's own jars), with its data
 * in a folder that survives restarts and fixed ports. The local stack runs on it; tests that stop and restart the
 * broker under load use it too.
 */
public final class KafkaProcess implements KafkaService {

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final Path logFile;
    private Process process;

    private KafkaProcess(Path dataDir, int port, int controllerPort, Path logFile) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.logFile = logFile;
    }

    /**
     * Starts a broker whose data lives in {@code dataDir} (formatted on first use, reused afterwards) and waits
     * until it answers.
     */
    public static KafkaProcess start(Path dataDir, int port, int controllerPort, Path logFile) {
        KafkaProcess kafka = new KafkaProcess(dataDir, port, controllerPort, logFile);
        kafka.start();
        return kafka;
    }

    /** Starts the broker again after {@link #stop()} or {@link #kill()}, on the same data and ports. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Files.createDirectories(dataDir);
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Path config = dataDir.resolve("server.properties");
            Files.writeString(config, serverProperties(), StandardCharsets.UTF_8);
            if (!Files.exists(dataDir.resolve("log").resolve("meta.properties"))) {
                run(List.of(
                        "kafka.tools.StorageTool",
                        "format",
                        "--standalone",
                        "-t",
                        clusterId(),
                        "-c",
                        config.toString()));
            }
            List<String> command = java("-Xms256m", "-Xmx768m", "kafka.Kafka", config.toString());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            awaitReady(Duration.ofSeconds(90));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka in " + dataDir, e);
        }
    }

    /** Stops the broker cleanly (SIGTERM, then waits). */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Kills the broker with SIGKILL, as a crash would. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public synchronized ProcessHandle handle() {
        return process == null ? null : process.toHandle();
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
    }

    private String serverProperties() {
        return """
                process.roles=broker,controller
                node.id=1
                controller.quorum.bootstrap.servers=127.0.0.1:%2$d
                listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
                log.dirs=%3$s
                num.partitions=6
                auto.create.topics.enable=false
                offsets.topic.replication.factor=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                log.retention.hours=168
                """.formatted(port, controllerPort, dataDir.resolve("log").toAbsolutePath());
    }

    private String clusterId() {
        // A Kafka cluster id is a base64url UUID without padding; one in 64 would start with '-', which the storage
        // tool's argument parser takes for an option (and Kafka's own generator avoids), so draw again.
        while (true) {
            UUID uuid = UUID.randomUUID();
            byte[] bytes = java.nio.ByteBuffer.allocate(16)
                    .putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits())
                    .array();
            String id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    private void run(List<String> mainAndArgs) throws IOException {
        List<String> command = java(mainAndArgs.toArray(String[]::new));
        Process format = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        try {
            if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("formatting Kafka storage failed; see " + logFile);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting Kafka storage", e);
        }
    }

    private static List<String> java(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Dlog4j2.configurationFile=" + log4jConfig());
        command.addAll(List.of(args));
        return command;
    }

    private static String log4jConfig() {
        // Kafka logs through log4j2; without a configuration it prints nothing useful. This keeps INFO to stdout.
        try {
            Path config = Files.createTempFile("onramp-kafka-log4j2", ".properties");
            config.toFile().deleteOnExit();
            Files.writeString(config, """
                    status = warn
                    appender.out.type = Console
                    appender.out.name = out
                    appender.out.layout.type = PatternLayout
                    appender.out.layout.pattern = %d{ISO8601} %-5p [%c{1}] %m%n
                    rootLogger.level = info
                    rootLogger.appenderRef.out.ref = out
                    logger.kafka.name = kafka
                    logger.kafka.level = warn
                    logger.apache.name = org.apache.kafka
                    logger.apache.level = warn
                    logger.started.name = kafka.server.KafkaRaftServer
                    logger.started.level = info
                    """);
            return config.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "Kafka exited with status " + process.exitValue() + "; see " + logFile);
                }
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(3, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    if (notYet instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for Kafka", notYet);
                    }
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("Kafka did not answer within " + timeout + "; see " + logFile);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for Kafka", e);
                }
            }
        }
    }
}
