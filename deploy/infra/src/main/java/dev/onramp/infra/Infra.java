package dev.onramp.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place tests get real infrastructure from. Each piece starts on first use, is shared by every test in the
 * JVM, and stops when the JVM exits. {@link InfraMode} decides whether it runs embedded or in containers.
 */
public final class Infra {

    private static final Logger LOG = LoggerFactory.getLogger(Infra.class);
    private static final List<AutoCloseable> STARTED = new ArrayList<>();
    private static KafkaService kafka;
    private static PostgresService postgres;
    private static SmtpService smtp;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Infra::closeAll, "onramp-infra-stop"));
    }

    private Infra() {}

    public static synchronized KafkaService kafka() {
        if (kafka == null) {
            kafka = started("Kafka", () -> switch (InfraMode.current()) {
                case EMBEDDED -> EmbeddedKafka.start();
                case CONTAINERS -> Containers.kafka();
            });
        }
        return kafka;
    }

    public static synchronized PostgresService postgres() {
        if (postgres == null) {
            postgres = started("PostgreSQL", () -> switch (InfraMode.current()) {
                case EMBEDDED -> EmbeddedPostgresServer.start();
                case CONTAINERS -> Containers.postgres();
            });
        }
        return postgres;
    }

    public static synchronized SmtpService smtp() {
        if (smtp == null) {
            smtp = started("SMTP", () -> switch (InfraMode.current()) {
                case EMBEDDED -> GreenMailSmtp.start(0);
                case CONTAINERS -> Containers.smtp();
            });
        }
        return smtp;
    }

    private static <T extends AutoCloseable> T started(String what, Supplier<T> starter) {
        long start = System.nanoTime();
        T service = starter.get();
        STARTED.add(service);
        LOG.info("{} ({}) ready in {} ms", what, InfraMode.current(), (System.nanoTime() - start) / 1_000_000);
        return service;
    }

    private static synchronized void closeAll() {
        for (AutoCloseable service : STARTED.reversed()) {
            try {
                service.close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed", service, e);
            }
        }
        STARTED.clear();
    }
}
