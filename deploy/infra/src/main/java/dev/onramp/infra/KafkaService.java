package dev.onramp.infra;

/** A running Kafka cluster. */
public interface KafkaService extends AutoCloseable {

    /** The {@code bootstrap.servers} value for clients. */
    String bootstrapServers();

    @Override
    void close();
}
