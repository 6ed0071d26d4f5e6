package dev.onramp.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.TopicReader;
import dev.onramp.infra.quarkus.RestartableKafkaResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * "200" means "will not be lost": under load, the broker is killed and started again. Every event answered 200 is in
 * Kafka afterwards; every other call was told to retry (503 with Retry-After) within a bounded time.
 */
@QuarkusTest
@TestProfile(BrokerOutageTest.OwnBroker.class)
class BrokerOutageTest {

    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RestartableKafkaResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("onramp.ingest.produce-timeout", "2s");
        }
    }

    static final String AUTH =
            "Basic " + Base64.getEncoder().encodeToString("test-write-key:".getBytes(StandardCharsets.UTF_8));
    static final int SENDERS = 4;

    @TestHTTPResource("/v1/track")
    URL track;

    @Test
    void everyEventAnswered200IsInKafkaAfterTheBrokerWasKilledAndRestarted() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, Integer> status = new ConcurrentHashMap<>();
        List<String> notRetryable = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong slowest = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sequence = new AtomicInteger();
        AtomicInteger acceptedAfterRestart = new AtomicInteger();
        AtomicBoolean restarted = new AtomicBoolean();
        String run = "outage-" + System.nanoTime();

        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        for (int s = 0; s < SENDERS; s++) {
            senders.submit(() -> {
                while (running.get()) {
                    String id = run + "-" + sequence.incrementAndGet();
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(
                                HttpRequest.newBuilder(URI.create(track.toString()))
                                        .timeout(Duration.ofSeconds(30))
                                        .header("Authorization", AUTH)
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + id
                                                + "\",\"messageId\":\"" + id + "\",\"event\":\"Load\"}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        status.put(id, response.statusCode());
                        if (response.statusCode() == 200 && restarted.get()) {
                            acceptedAfterRestart.incrementAndGet();
                        }
                        if (response.statusCode() != 200
                                && !(response.statusCode() == 503
                                        && response.headers()
                                                .firstValue("Retry-After")
                                                .isPresent())) {
                            notRetryable.add(id + ": " + response.statusCode() + " " + response.body());
                        }
                    } catch (Exception e) {
                        status.put(id, -1);
                        notRetryable.add(id + ": " + e);
                    }
                    slowest.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                }
                return null;
            });
        }

        // Under load, then the broker dies: clients must be told to retry, then served again once it is back.
        await().atMost(Duration.ofSeconds(60)).until(() -> count(status, 200) >= 100);
        int beforeOutage = (int) count(status, 200);
        RestartableKafkaResource.broker().kill();
        await().atMost(Duration.ofSeconds(60)).until(() -> count(status, 503) >= 10);
        long refusedDuringOutage = count(status, 503);
        RestartableKafkaResource.broker().start();
        restarted.set(true);
        await().atMost(Duration.ofSeconds(60)).until(() -> acceptedAfterRestart.get() >= 100);
        running.set(false);
        senders.shutdown();
        assertThat(senders.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS))
                .isTrue();

        Set<String> answered200 = status.entrySet().stream()
                .filter(e -> e.getValue() == 200)
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        Set<String> inKafka = TopicReader.all(
                        RestartableKafkaResource.broker().bootstrapServers(),
                        "onramp.events",
                        r -> r.key().startsWith(run),
                        Duration.ofSeconds(3))
                .stream()
                .map(r -> r.key())
                .collect(Collectors.toSet());

        System.out.printf(
                "broker outage: %d calls; %d accepted before the kill, %d told to retry while down, %d accepted after the"
                        + " restart; %d answered 200, all %d found in Kafka; slowest answer %d ms%n",
                status.size(),
                beforeOutage,
                refusedDuringOutage,
                acceptedAfterRestart.get(),
                answered200.size(),
                answered200.stream().filter(inKafka::contains).count(),
                slowest.get());
        assertThat(beforeOutage).as("events accepted before the outage").isGreaterThan(50);
        assertThat(refusedDuringOutage)
                .as("calls told to retry while the broker was down")
                .isGreaterThan(0);
        assertThat(acceptedAfterRestart.get())
                .as("events accepted after the restart")
                .isGreaterThanOrEqualTo(100);
        assertThat(notRetryable).as("calls neither accepted nor told to retry").isEmpty();
        assertThat(answered200).as("answered 200 but missing from Kafka").isSubsetOf(inKafka);
        assertThat(slowest.get())
                .as("slowest answer, ms: bounded by the produce timeout")
                .isLessThan(10_000);
    }

    private static long count(Map<String, Integer> status, int code) {
        return status.values().stream().filter(s -> s == code).count();
    }
}
