package dev.onramp.infra;

/** A running PostgreSQL server with one database the services share, each in its own schema. */
public interface PostgresService extends AutoCloseable {

    String jdbcUrl();

    String username();

    String password();

    @Override
    void close();
}
