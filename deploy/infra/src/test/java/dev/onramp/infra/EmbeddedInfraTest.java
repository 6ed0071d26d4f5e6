package dev.onramp.infra;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedInfraTest {

    @Test
    void embeddedKafkaStoresAndServesRecords() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            assertRoundTrip(kafka.bootstrapServers(), "round-trip");
        }
    }

    @Test
    void kafkaProcessKeepsItsRecordsAcrossARestart(@TempDir Path dir) throws Exception {
        KafkaProcess kafka =
                KafkaProcess.start(dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"));
        try {
            assertRoundTrip(kafka.bootstrapServers(), "before-restart");
            kafka.kill();
            kafka.start();
            assertThat(readAll(kafka.bootstrapServers(), "before-restart")).containsExactly("hello");
        } finally {
            kafka.close();
        }
        assertThat(kafka.handle()).isNull();
    }

    @Test
    void embeddedPostgresAnswersQueries() throws Exception {
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start();
                var connection =
                        DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
                var result =
                        connection.createStatement().executeQuery("select current_setting('server_version_num')")) {
            assertThat(result.next()).isTrue();
            assertThat(Integer.parseInt(result.getString(1))).isGreaterThanOrEqualTo(170000);
        }
    }

    @Test
    void greenMailReceivesWhatIsSent() throws Exception {
        try (GreenMailSmtp smtp = GreenMailSmtp.start(0)) {
            Properties properties = new Properties();
            properties.put("mail.smtp.host", smtp.host());
            properties.put("mail.smtp.port", Integer.toString(smtp.smtpPort()));
            MimeMessage message = new MimeMessage(Session.getInstance(properties));
            message.setFrom(new InternetAddress("bot@onramp.test"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("ada@example.com"));
            message.setSubject("Welcome");
            message.setText("Hello Ada");
            Transport.send(message);

            List<ReceivedMail> mails = smtp.mailsTo("ada@example.com");
            assertThat(mails).singleElement().satisfies(mail -> {
                assertThat(mail.subject()).isEqualTo("Welcome");
                assertThat(mail.text()).contains("Hello Ada");
                assertThat(mail.from()).isEqualTo("bot@onramp.test");
            });
            assertThat(smtp.mailsTo("someone-else@example.com")).isEmpty();
        }
    }

    private static void assertRoundTrip(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (var producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "hello")).get();
        }
        assertThat(readAll(bootstrap, topic)).containsExactly("hello");
    }

    private static List<String> readAll(String bootstrap, String topic) {
        try (var consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "reader-" + System.nanoTime(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) {
                    return java.util.stream.StreamSupport.stream(records.spliterator(), false)
                            .map(r -> r.value())
                            .toList();
                }
            }
            return List.of();
        }
    }
}
