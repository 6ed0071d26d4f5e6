package dev.onramp.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.Infra;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Kafka's committed offsets of the engine's group are for lag monitoring only (the offsets that count are in
 * PostgreSQL) and are committed at most once a second: they still catch up with everything the engine applied, also
 * when it then goes idle, so a dashboard shows no lag that is not there.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(PostgresResource.class)
class LagMonitoringTest {

    @Test
    void kafkaHearsHowFarTheEngineCameWithinAboutASecondOfGoingIdle() {
        String user = JourneyEngineTest.newUser();
        for (int i = 0; i < 20; i++) {
            Events.track(user, "Lag Probe " + i, "{}");
        }
        Events.identify(user, "{\"probe\":\"last\"}");

        try (Admin admin =
                Admin.create(Map.of("bootstrap.servers", Infra.kafka().bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                                        "journey-engine")
                                .partitionsToOffsetAndMetadata()
                                .get();
                        Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                                .filter(tp -> tp.topic().equals("onramp.events"))
                                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
                        assertThat(latest)
                                .as("partitions of onramp.events the group committed")
                                .isNotEmpty();
                        admin.listOffsets(latest).all().get().forEach((tp, end) -> assertThat(
                                        committed.get(tp).offset())
                                .as("committed offset of " + tp)
                                .isEqualTo(end.offset()));
                    });
        }
    }
}
