package dev.onramp.infra;

import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The same infrastructure as containers, for machines with a Docker engine. Images are pinned to the versions the
 * embedded path runs.
 */
final class Containers {

    static final String KAFKA_IMAGE = "apache/kafka:4.2.1";
    static final String POSTGRES_IMAGE = "postgres:17-alpine";
    static final String GREENMAIL_IMAGE = "greenmail/standalone:2.1.13";

    private Containers() {}

    static KafkaService kafka() {
        KafkaContainer container = new KafkaContainer(KAFKA_IMAGE)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
        return new KafkaService() {
            @Override
            public String bootstrapServers() {
                return container.getBootstrapServers();
            }

            @Override
            public void close() {
                container.stop();
            }
        };
    }

    static PostgresService postgres() {
        PostgreSQLContainer container = new PostgreSQLContainer(POSTGRES_IMAGE)
                .withDatabaseName("postgres")
                .withUsername("postgres")
                .withPassword("postgres");
        container.start();
        return new PostgresService() {
            @Override
            public String jdbcUrl() {
                return container.getJdbcUrl();
            }

            @Override
            public String username() {
                return container.getUsername();
            }

            @Override
            public String password() {
                return container.getPassword();
            }

            @Override
            public void close() {
                container.stop();
            }
        };
    }

    static SmtpService smtp() {
        GenericContainer<?> container = new GenericContainer<>(GREENMAIL_IMAGE)
                .withEnv(
                        "GREENMAIL_OPTS",
                        "-Dgreenmail.setup.test.smtp -Dgreenmail.setup.test.imap -Dgreenmail.hostname=0.0.0.0"
                                + " -Dgreenmail.auth.disabled")
                .withExposedPorts(3025, 3143);
        container.start();
        return new ImapReadSmtp(container);
    }

    /** Reads what the GreenMail container received over IMAP: with authentication off, any password opens a box. */
    private static final class ImapReadSmtp implements SmtpService {
        private final GenericContainer<?> container;
        private final List<String> seenRecipients = new ArrayList<>();

        ImapReadSmtp(GenericContainer<?> container) {
            this.container = container;
        }

        @Override
        public String host() {
            return container.getHost();
        }

        @Override
        public int smtpPort() {
            return container.getMappedPort(3025);
        }

        @Override
        public synchronized List<ReceivedMail> mailsTo(String address) {
            if (!seenRecipients.contains(address)) {
                seenRecipients.add(address);
            }
            Properties properties = new Properties();
            Session session = Session.getInstance(properties);
            try (Store store = session.getStore("imap")) {
                store.connect(container.getHost(), container.getMappedPort(3143), address, address);
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                List<ReceivedMail> mails = new ArrayList<>();
                for (var message : inbox.getMessages()) {
                    mails.add(ReceivedMail.of((MimeMessage) message));
                }
                inbox.close(false);
                return mails;
            } catch (MessagingException e) {
                throw new IllegalStateException("cannot read the mailbox of " + address, e);
            }
        }

        @Override
        public synchronized List<ReceivedMail> allMails() {
            // IMAP has no "all mailboxes" view; this covers every address a test has asked about.
            List<ReceivedMail> all = new ArrayList<>();
            for (String recipient : List.copyOf(seenRecipients)) {
                all.addAll(mailsTo(recipient));
            }
            return all;
        }

        @Override
        public void close() {
            container.stop();
        }
    }
}
