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
    /** This node's id, 1 for a single broker. */
    private final int nodeId;
    /** The static controller quorum of a cluster ({@code 1@host:port,...}); null for a single broker. */
    private final String voters;
    /** Brokers in the cluster: replication factors and min ISR follow it. */
    private final int brokers;
    /** SASL_SSL with SCRAM users and ACLs instead of PLAINTEXT for clients; null for PLAINTEXT. */
    private final Secured secured;

    private Process process;

    /**
     * What a broker that needs authentication has: its SCRAM-SHA-512 users (the first is the super user the broker
     * itself and the tests' administration use) and a certificate whose PEM clients trust — as a managed cluster
     * (Strimzi, a cloud's Kafka) gives its clients.
     */
    public record Secured(Map<String, String> users, SelfSignedCertificate certificate) {

        /** A self-signed certificate for 127.0.0.1 in {@code dir}, and these users. */
        public static Secured selfSigned(Path dir, Map<String, String> users) {
            return new Secured(new java.util.LinkedHashMap<>(users), SelfSignedCertificate.create(dir));
        }

        /** The client settings of one user, as the services take them from {@code KAFKA_*} variables. */
        public Map<String, String> clientConfig(String user) {
            return Map.of(
                    "security.protocol", "SASL_SSL",
                    "sasl.mechanism", "SCRAM-SHA-512",
                    "sasl.jaas.config", jaas(user, users.get(user)),
                    "ssl.truststore.type", "PEM",
                    "ssl.truststore.location", certificate.certificatePem().toString());
        }

        String admin() {
            return users.keySet().iterator().next();
        }

        static String jaas(String user, String password) {
            return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                    + "\" password=\"" + password + "\";";
        }
    }

    private KafkaProcess(Path dataDir, int port, int controllerPort, Path logFile) {
        this(dataDir, port, controllerPort, logFile, 1, null, 1, null);
    }

    /** Starts a single broker whose clients must authenticate over TLS and are authorized by ACLs. */
    public static KafkaProcess startSecured(Path dataDir, int port, int controllerPort, Path logFile, Secured secured) {
        KafkaProcess kafka = new KafkaProcess(dataDir, port, controllerPort, logFile, 1, null, 1, secured);
        kafka.start();
        return kafka;
    }

    KafkaProcess(
            Path dataDir,
            int port,
            int controllerPort,
            Path logFile,
            int nodeId,
            String voters,
            int brokers,
            Secured secured) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.logFile = logFile;
        this.nodeId = nodeId;
        this.voters = voters;
        this.brokers = brokers;
        this.secured = secured;
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
        launch(voters == null ? clusterId() : null);
        awaitReady(Duration.ofSeconds(90));
    }

    /**
     * Starts the process without waiting: a node of a cluster answers only once a majority of the controllers run.
     * The storage is formatted first if it never was, with this cluster id (null only where it was formatted).
     */
    synchronized void launch(String clusterId) {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Files.createDirectories(dataDir);
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Path config = dataDir.resolve("server.properties");
            Files.writeString(config, serverProperties(), StandardCharsets.UTF_8);
            if (!Files.exists(dataDir.resolve("log").resolve("meta.properties"))) {
                List<String> format = new ArrayList<>(List.of("kafka.tools.StorageTool", "format"));
                if (voters == null) {
                    format.add("--standalone");
                }
                format.addAll(List.of("-t", clusterId, "-c", config.toString()));
                if (secured != null) {
                    secured.users()
                            .forEach((user, password) -> format.addAll(List.of(
                                    "--add-scram", "SCRAM-SHA-512=[name=" + user + ",password=" + password + "]")));
                }
                run(format);
            }
            List<String> command =
                    java("-Xms128m", voters == null ? "-Xmx768m" : "-Xmx384m", "kafka.Kafka", config.toString());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
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

    /** What an administrating client needs: the bootstrap servers, and the super user's credentials if secured. */
    public Map<String, Object> adminConfig() {
        Map<String, Object> config = new java.util.HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (secured != null) {
            config.putAll(secured.clientConfig(secured.admin()));
        }
        return config;
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
        int replication = Math.min(3, brokers);
        int minIsr = Math.max(1, replication - 1);
        String quorum = voters == null
                ? "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort
                : "controller.quorum.voters=" + voters;
        String listeners = secured == null
                ? """
                listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
                """.formatted(port, controllerPort)
                : """
                listeners=SASL_SSL://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=SASL_SSL://127.0.0.1:%1$d
                inter.broker.listener.name=SASL_SSL
                listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
                sasl.enabled.mechanisms=SCRAM-SHA-512
                sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
                listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=%3$s
                ssl.keystore.type=PKCS12
                ssl.keystore.location=%4$s
                ssl.keystore.password=%5$s
                ssl.truststore.type=PEM
                ssl.truststore.location=%6$s
                authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
                allow.everyone.if.no.acl.found=false
                super.users=User:%7$s;User:ANONYMOUS
                """.formatted(
                                port,
                                controllerPort,
                                Secured.jaas(secured.admin(), secured.users().get(secured.admin())),
                                secured.certificate().keyStore(),
                                secured.certificate().keyStorePassword(),
                                secured.certificate().certificatePem(),
                                secured.admin());
        return """
                process.roles=broker,controller
                node.id=%4$d
                %5$s
                %1$s
                controller.listener.names=CONTROLLER
                log.dirs=%3$s
                num.partitions=6
                auto.create.topics.enable=false
                default.replication.factor=%6$d
                min.insync.replicas=%7$d
                offsets.topic.replication.factor=%6$d
                transaction.state.log.replication.factor=%6$d
                transaction.state.log.min.isr=%7$d
                share.coordinator.state.topic.replication.factor=%6$d
                share.coordinator.state.topic.min.isr=%7$d
                group.initial.rebalance.delay.ms=0
                log.retention.hours=168
                """.formatted(
                        listeners,
                        controllerPort,
                        dataDir.resolve("log").toAbsolutePath(),
                        nodeId,
                        quorum,
                        replication,
                        minIsr);
    }

    static String clusterId() {
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

    /**
     * JVM flags for the broker process, from the system property {@code onramp.kafka.jvm} (space-separated; empty for
     * the JVM's defaults); {@link #DEFAULT_JVM} when it is not set.
     */
    public static final String JVM = "onramp.kafka.jvm";

    /**
     * The broker's JVM flags unless {@link #JVM} says otherwise: the client compiler only. A broker that also runs the
     * optimizing compiler spends a good part of a core compiling for minutes after it starts, on machines where it
     * shares two cores with everything else; measured by {@code deploy/bench/run e2e}, that took the p99 of an in-app
     * message at 1,000 events/s from 170 ms to 540 ms (docs/performance.md).
     */
    public static final String DEFAULT_JVM = "-XX:TieredStopAtLevel=1";

    private static List<String> java(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String flags = System.getProperty(JVM, DEFAULT_JVM).trim();
        if (!flags.isEmpty()) {
            command.addAll(List.of(flags.split("\\s+")));
        }
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

    /** Waits until this node answers as a broker of its cluster. */
    void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, Object> config = new java.util.HashMap<>(adminConfig());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "Kafka exited with status " + process.exitValue() + "; see " + logFile);
                }
                try {
                    if (admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).stream()
                            .anyMatch(n -> n.id() == nodeId)) {
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
