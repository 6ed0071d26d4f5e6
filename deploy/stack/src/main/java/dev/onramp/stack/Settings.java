package dev.onramp.stack;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the local stack runs: ports and folders, each overridable by an environment variable.
 *
 * @param root the repository's root
 * @param data every piece of state: Kafka's log, PostgreSQL's cluster, logs, pid files
 * @param secrets the stack's secrets, made at random in {@code data} the first time ({@link StackSecrets})
 */
record Settings(
        Path root,
        Path data,
        boolean demo,
        int ingestPort,
        int enginePort,
        int dispatchPort,
        int kafkaPort,
        int postgresPort,
        int smtpPort,
        int mailViewerPort,
        Path journeys,
        StackSecrets secrets) {

    /** The demo plays a day of journey time in a minute. */
    static final int DEMO_TIME_SCALE = 1440;

    static Settings from(String[] args, Map<String, String> env) {
        Path root =
                Path.of(env.getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath().normalize();
        Path data = Path.of(
                        env.getOrDefault("ONRAMP_DATA", root.resolve(".onramp").toString()))
                .toAbsolutePath()
                .normalize();
        boolean demo = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--demo" -> demo = true;
                case "--data" -> data = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--help", "-h" -> {
                    System.out.println("""
                            Usage: deploy/run [--demo] [--data DIR]

                              --demo       play a sample user through the example journeys, a day of journey time
                                           per minute, and show where each message arrives
                              --data DIR   keep all state in DIR (default .onramp, or $ONRAMP_DATA)

                            Ports: ONRAMP_INGEST_PORT (8081), ONRAMP_ENGINE_PORT (8082), ONRAMP_DISPATCH_PORT (8083),
                            ONRAMP_KAFKA_PORT (29092, and the next one for its controller), ONRAMP_POSTGRES_PORT (25432),
                            ONRAMP_SMTP_PORT (2525), ONRAMP_MAIL_VIEWER_PORT (8025).
                            Journeys: ONRAMP_JOURNEYS_DIR (deploy/journeys).""");
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; see --help");
            }
        }
        return new Settings(
                root,
                data,
                demo,
                port(env, "ONRAMP_INGEST_PORT", 8081),
                port(env, "ONRAMP_ENGINE_PORT", 8082),
                port(env, "ONRAMP_DISPATCH_PORT", 8083),
                port(env, "ONRAMP_KAFKA_PORT", 29092),
                port(env, "ONRAMP_POSTGRES_PORT", 25432),
                port(env, "ONRAMP_SMTP_PORT", 2525),
                port(env, "ONRAMP_MAIL_VIEWER_PORT", 8025),
                Path.of(env.getOrDefault(
                                "ONRAMP_JOURNEYS_DIR",
                                root.resolve("deploy/journeys").toString()))
                        .toAbsolutePath(),
                StackSecrets.loadOrCreate(data));
    }

    private static int port(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a port number, not '" + value + "'");
        }
    }

    Path logs() {
        return data.resolve("logs");
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres";
    }

    String kafka() {
        return "127.0.0.1:" + kafkaPort;
    }
}
