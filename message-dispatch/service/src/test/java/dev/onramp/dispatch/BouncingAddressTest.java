package dev.onramp.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.Infra;
import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** A permanent SMTP rejection (5xx) suppresses the address: later messages to it are not even tried. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = BouncingAddressTest.Smtp.class, restrictToAnnotatedClass = true)
class BouncingAddressTest {

    static RejectingSmtpServer server;

    public static class Smtp implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                server = new RejectingSmtpServer();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of(
                    "quarkus.mailer.host", "127.0.0.1",
                    "quarkus.mailer.port", Integer.toString(server.port()),
                    "quarkus.mailer.start-tls", "DISABLED");
        }

        @Override
        public void stop() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    final ObjectMapper json = new ObjectMapper();

    @Test
    void anAddressTheServerRejectsIsSuppressed() throws Exception {
        String user = "user-" + UUID.randomUUID();
        String address = "bounce-" + user + "@example.com";
        String traits = "{\"email\":\"" + address + "\"}";
        String first = Requests.newId();
        Requests.send(user, Requests.request(first, user, "email", "[\"in_app\"]", "welcome", null, traits));

        List<JsonNode> events = events(first, 2);
        assertThat(events)
                .extracting(
                        e -> e.path("channel").asText() + ":" + e.path("status").asText())
                .containsExactly("email:suppressed", "in_app:delivered");
        assertThat(events.getFirst().path("detail").asText()).contains("550");
        assertThat(server.rejected).containsExactly(address);

        // The next message to that address is suppressed without talking to the server.
        String second = Requests.newId();
        Requests.send(user, Requests.request(second, user, "email", "[]", "welcome", null, traits));
        List<JsonNode> next = events(second, 2);
        assertThat(next).extracting(e -> e.path("status").asText()).containsExactly("suppressed", "failed");
        assertThat(next.getFirst().path("detail").asText()).contains("is suppressed");
        assertThat(server.rejected).containsExactly(address);

        // Other addresses still go out.
        String fine = "fine-" + user + "@example.com";
        Requests.send(
                user,
                Requests.request(
                        Requests.newId(), user, "email", "[]", "welcome", null, "{\"email\":\"" + fine + "\"}"));
        await().atMost(Duration.ofSeconds(30)).until(() -> server.accepted.contains(fine));
    }

    private List<JsonNode> events(String messageId, int count) {
        return TopicReader.await(
                        Infra.kafka().bootstrapServers(),
                        "onramp.delivery-events",
                        r -> r.value().contains(messageId),
                        count,
                        Duration.ofSeconds(30))
                .stream()
                .map(ConsumerRecord::value)
                .map(v -> {
                    try {
                        return json.readTree(v);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .toList();
    }
}
