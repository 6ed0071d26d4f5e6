package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.KafkaCluster;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ServiceProcess;
import dev.onramp.infra.TopicReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scale-out proof: a three-node KRaft cluster on loopback (replication 3, {@code min.insync.replicas=2}), two
 * journey-engine and two message-dispatch instances, and steady sign-ups through event-ingest. Mid-load one broker is
 * killed with SIGKILL (the leader of the events topic's first partition), then one engine, then one dispatcher. A
 * ledger then shows every accepted event applied once — each user exactly one nudge and one reminder, decided once and
 * stored in the inbox once — and the consumer groups show the dead instances' partitions taken over, all of them, by
 * the survivors, as their logs say.
 *
 * <p>The cluster and PostgreSQL belong to this test alone (the other end-to-end tests share the in-JVM ones). The
 * services create their topics with replication factor 3, as `onramp.*.topics.replication-factor` lets them.
 */
class FailoverIT {

    static final Path ROOT = ThreeServices.ROOT;
    static final Path JOURNEYS = Path.of("src/test/resources/reliability").toAbsolutePath();
    static final Path LOGS = Path.of("target/e2e-logs").toAbsolutePath();
    static final String SOURCE = "failover";
    /** Sign-ups per second offered, in batches every 100 ms. */
    static final int RATE = 150;

    /** What journey-engine's consumer group reads: events, delivery reports and what users write back. */
    static final List<String> EVENTS_TOPICS =
            List.of("onramp.events", "onramp.delivery-events", "onramp.conversations");

    static final List<String> REQUESTS_TOPICS = List.of("onramp.message-requests");

    static Path data;
    static KafkaCluster kafka;
    static EmbeddedPostgresServer postgres;
    static ServiceProcess ingest;
    static final List<ServiceProcess> engines = new ArrayList<>();
    static final List<ServiceProcess> dispatchers = new ArrayList<>();

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startTheCluster() throws IOException {
        data = Files.createTempDirectory("onramp-failover");
        kafka = KafkaCluster.start(data.resolve("kafka"), 3, LOGS, "failover-kafka");
        postgres = EmbeddedPostgresServer.start();
        List<String> jvm = List.of("-Xmx256m");
        ingest = new ServiceProcess(
                "failover-ingest",
                ServiceProcess.jarOf(ROOT, "event-ingest"),
                FreePorts.find(),
                LocalSecrets.ingest(
                        SOURCE,
                        Map.of(
                                "KAFKA_BOOTSTRAP_SERVERS",
                                kafka.bootstrapServers(),
                                "ONRAMP_INGEST_TOPIC_REPLICATION_FACTOR",
                                "3")),
                LOGS.resolve("failover-ingest.log"),
                jvm);
        for (String name : List.of("failover-engine-a", "failover-engine-b")) {
            engines.add(new ServiceProcess(
                    name,
                    ServiceProcess.jarOf(ROOT, "journey-engine/service"),
                    FreePorts.find(),
                    LocalSecrets.engine(with(
                            Rows.datasource(postgres),
                            Map.of(
                                    "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                                    "ONRAMP_ENGINE_JOURNEYS_DIR", JOURNEYS.toString(),
                                    "ONRAMP_ENGINE_TOPICS_REPLICATION_FACTOR", "3"))),
                    LOGS.resolve(name + ".log"),
                    jvm));
        }
        for (String name : List.of("failover-dispatch-a", "failover-dispatch-b")) {
            dispatchers.add(new ServiceProcess(
                    name,
                    ServiceProcess.jarOf(ROOT, "message-dispatch/service"),
                    FreePorts.find(),
                    LocalSecrets.dispatch(with(
                            Rows.datasource(postgres),
                            Map.of(
                                    "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                                    "ONRAMP_DISPATCH_TEMPLATES_DIR",
                                            JOURNEYS.resolve("templates").toString(),
                                    "ONRAMP_DISPATCH_TOPICS_REPLICATION_FACTOR", "3"))),
                    LOGS.resolve(name + ".log"),
                    jvm));
        }
        List<ServiceProcess> all = new ArrayList<>(List.of(ingest));
        all.addAll(engines);
        all.addAll(dispatchers);
        // The first engine creates the topics (replicated three times) before the others join.
        engines.getFirst().start().awaitReady(Duration.ofSeconds(120));
        all.forEach(ServiceProcess::start);
        all.forEach(s -> s.awaitReady(Duration.ofSeconds(120)));
    }

    @AfterAll
    static void stopEverything() {
        List<ServiceProcess> all = new ArrayList<>(dispatchers);
        all.addAll(engines);
        all.add(ingest);
        all.stream().filter(s -> s != null).forEach(ServiceProcess::close);
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void losingABrokerAnEngineAndADispatcherUnderLoadLosesNothingAndDoesNothingTwice() throws Exception {
        String run = "fo-" + System.currentTimeMillis() + "-";
        assertThat(replicationOf("onramp.events"))
                .as("replicas of every events partition")
                .containsOnly(3);
        assertEveryPartitionOwnedOnce("journey-engine", EVENTS_TOPICS, 2);
        assertEveryPartitionOwnedOnce("message-dispatch", REQUESTS_TOPICS, 2);

        Load load = new Load(run);
        Thread traffic = Thread.ofPlatform().name("failover-load").start(load);
        Timeline timeline = new Timeline(run, load);
        Thread sampler = Thread.ofPlatform().name("failover-sampler").start(timeline);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> timeline.stored() > 0);
            pause(Duration.ofSeconds(5));

            int leader = leaderOf(new TopicPartition("onramp.events", 0));
            timeline.mark("kill -9 broker " + leader + " (leader of onramp.events-0)");
            long acceptedAtBrokerKill = load.accepted();
            kafka.node(leader).kill();
            pause(Duration.ofSeconds(20));
            assertThat(load.accepted())
                    .as("events accepted with two brokers of three (min.insync.replicas=2)")
                    .isGreaterThan(acceptedAtBrokerKill);

            timeline.mark("kill -9 " + engines.get(1).name());
            engines.get(1).kill();
            pause(Duration.ofSeconds(20));

            timeline.mark("kill -9 " + dispatchers.get(1).name());
            dispatchers.get(1).kill();
            pause(Duration.ofSeconds(20));
        } finally {
            load.stop();
            traffic.join(Duration.ofSeconds(90).toMillis());
        }
        timeline.mark("load stopped");

        Set<String> accepted = load.acceptedUsers();
        System.out.printf(
                "%s%d users accepted, %d calls answered other than 200 and sent again%n",
                run, accepted.size(), load.retries());
        assertThat(load.unaccepted()).as("batches never accepted").isZero();
        assertThat(accepted).hasSizeGreaterThan(RATE * 30);

        assertEveryUserGotANudgeAndAReminderOnce(run, accepted);
        timeline.stop();
        sampler.join(5_000);
        timeline.print();

        // The survivors own every partition, once; their logs say so.
        assertEveryPartitionOwnedOnce("journey-engine", EVENTS_TOPICS, 1);
        assertEveryPartitionOwnedOnce("message-dispatch", REQUESTS_TOPICS, 1);
        assertThat(lastAssignmentLogged(engines.getFirst()))
                .as("the last assignment %s logged", engines.getFirst().name())
                .isEqualTo(allPartitions(EVENTS_TOPICS));
        assertThat(lastAssignmentLogged(dispatchers.getFirst()))
                .as("the last assignment %s logged", dispatchers.getFirst().name())
                .isEqualTo(allPartitions(REQUESTS_TOPICS));
    }

    /** The ledger: per accepted user, what the engine decided and published, and what dispatch stored. */
    private static void assertEveryUserGotANudgeAndAReminderOnce(String run, Set<String> accepted) throws Exception {
        long expected = 2L * accepted.size();
        String stored = "SELECT count(*) FROM dispatch.inbox_messages WHERE user_id LIKE ?";
        try {
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> count(stored, run) >= expected);
        } catch (ConditionTimeoutException e) {
            // the assertions below say what is missing
        }
        // Duplicates, if any, would come now.
        pause(Duration.ofSeconds(5));

        // The engine: each user's sign-up applied once (a second application would show as a second enrolment or a
        // refused one), exactly two messages decided, each once, and the two delivery reports applied once each.
        Map<String, Long> entries = grouped(
                "SELECT user_id, count(*) FROM engine.decisions WHERE user_id LIKE ?"
                        + " AND kind IN ('enrolled', 'not_enrolled') GROUP BY user_id",
                run);
        Map<String, Long> decided = grouped(
                "SELECT user_id, count(*) FROM engine.decisions WHERE user_id LIKE ? AND kind = 'message_sent'"
                        + " GROUP BY user_id",
                run);
        Map<String, Long> distinctDecided = grouped(
                "SELECT user_id, count(DISTINCT message_id) FROM engine.decisions WHERE user_id LIKE ?"
                        + " AND kind = 'message_sent' GROUP BY user_id",
                run);
        Map<String, Long> reports = grouped(
                "SELECT user_id, count(*) FROM engine.decisions WHERE user_id LIKE ? AND kind = 'delivery'"
                        + " GROUP BY user_id",
                run);
        assertThat(entries.keySet()).as("users the engine enrolled").isEqualTo(accepted);
        assertThat(histogram(entries)).as("users by sign-ups applied").isEqualTo(Map.of(1L, (long) accepted.size()));
        assertThat(histogram(decided)).as("users by messages decided").isEqualTo(Map.of(2L, (long) accepted.size()));
        assertThat(distinctDecided).as("message ids decided per user").isEqualTo(decided);
        assertThat(histogram(reports)).as("users by delivery reports applied").isEqualTo(Map.of(2L, (long)
                accepted.size()));

        // Kafka: the published requests, by distinct id (a record written again after a crash is allowed, a
        // second id is not).
        List<ConsumerRecord<String, String>> requests = TopicReader.all(
                kafka.bootstrapServers(),
                "onramp.message-requests",
                r -> r.key() != null && r.key().startsWith(run),
                Duration.ZERO);
        Map<String, Set<String>> idsByUser = requests.stream()
                .collect(Collectors.groupingBy(
                        ConsumerRecord::key,
                        Collectors.mapping(r -> TopicReader.messageIdOf(r.value()), Collectors.toSet())));
        assertThat(idsByUser.keySet()).as("users with message requests").isEqualTo(accepted);
        assertThat(idsByUser.values()).allSatisfy(ids -> assertThat(ids).hasSize(2));

        // message-dispatch: every message stored in the inbox once.
        Map<String, Long> inbox = grouped(
                "SELECT user_id, count(*) FROM dispatch.inbox_messages WHERE user_id LIKE ? GROUP BY user_id", run);
        assertThat(inbox.keySet()).as("users with inbox messages").isEqualTo(accepted);
        assertThat(histogram(inbox)).as("users by inbox messages").isEqualTo(Map.of(2L, (long) accepted.size()));
        System.out.printf(
                "%sledger: %d users, %d decisions, %d request records (%d distinct), %d inbox messages%n",
                run,
                accepted.size(),
                decided.values().stream().mapToLong(Long::longValue).sum(),
                requests.size(),
                idsByUser.values().stream().mapToLong(Set::size).sum(),
                inbox.values().stream().mapToLong(Long::longValue).sum());
    }

    /** Every partition of these topics is assigned to exactly one member of the group, which has this many. */
    private static void assertEveryPartitionOwnedOnce(String group, List<String> topics, int members) {
        Set<TopicPartition> all = allPartitions(topics);
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    ConsumerGroupDescription description = describe(group);
                    List<TopicPartition> owned = description.members().stream()
                            .map(MemberDescription::assignment)
                            .flatMap(a -> a.topicPartitions().stream())
                            .toList();
                    assertThat(description.members()).as("members of " + group).hasSize(members);
                    assertThat(owned).as("partitions owned in " + group).doesNotHaveDuplicates();
                    assertThat(new TreeSet<>(
                                    owned.stream().map(TopicPartition::toString).toList()))
                            .as("partitions owned in " + group)
                            .isEqualTo(new TreeSet<>(
                                    all.stream().map(TopicPartition::toString).toList()));
                });
        System.out.printf("%s: %d member(s) own all %d partitions once%n", group, members, all.size());
    }

    private static final Pattern ASSIGNMENT = Pattern.compile("consuming \\[([^]]*)] from the stored offsets");

    /** The partitions in the last "consuming [...] from the stored offsets" line of a service's log. */
    private static Set<TopicPartition> lastAssignmentLogged(ServiceProcess service) throws IOException {
        String log = Files.readString(LOGS.resolve(service.name() + ".log"), StandardCharsets.UTF_8);
        Matcher m = ASSIGNMENT.matcher(log);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        assertThat(last).as("an assignment logged by " + service.name()).isNotNull();
        Set<TopicPartition> partitions = new java.util.HashSet<>();
        for (String tp : last.split(",\\s*")) {
            int dash = tp.lastIndexOf('-');
            partitions.add(new TopicPartition(tp.substring(0, dash), Integer.parseInt(tp.substring(dash + 1))));
        }
        return partitions;
    }

    private static Set<TopicPartition> allPartitions(List<String> topics) {
        Set<TopicPartition> all = new java.util.HashSet<>();
        try (Admin admin = admin()) {
            for (TopicDescription d : admin.describeTopics(topics)
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .values()) {
                d.partitions().forEach(p -> all.add(new TopicPartition(d.name(), p.partition())));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return all;
    }

    private static List<Integer> replicationOf(String topic) throws Exception {
        try (Admin admin = admin()) {
            return admin
                    .describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .stream()
                    .map(p -> p.replicas().size())
                    .toList();
        }
    }

    private static int leaderOf(TopicPartition tp) throws Exception {
        try (Admin admin = admin()) {
            return admin.describeTopics(List.of(tp.topic()))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(tp.topic())
                    .partitions()
                    .get(tp.partition())
                    .leader()
                    .id();
        }
    }

    private static ConsumerGroupDescription describe(String group) throws Exception {
        try (Admin admin = admin()) {
            return admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    /** Sign-ups at a steady rate through event-ingest; a batch not accepted is sent again, as an SDK would. */
    final class Load implements Runnable {
        private final String run;
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicLong retries = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong unaccepted = new java.util.concurrent.atomic.AtomicLong();
        private final String authorization = "Basic "
                + Base64.getEncoder()
                        .encodeToString((LocalSecrets.writeKey(SOURCE) + ":").getBytes(StandardCharsets.UTF_8));

        Load(String run) {
            this.run = run;
        }

        @Override
        public void run() {
            int perBatch = RATE / 10;
            int next = 0;
            long started = System.nanoTime();
            for (int round = 0; !stopping.get(); round++) {
                List<String> users = new ArrayList<>();
                for (int i = 0; i < perBatch; i++) {
                    users.add(run + next++);
                }
                send(users);
                long due = started + (round + 1) * 100_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(Duration.ofNanos(wait));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        private void send(List<String> users) {
            String now = Instant.now().toString();
            String body = users.stream()
                    .map(u -> """
                            {"type":"track","userId":"%1$s","messageId":"%1$s-signed-up","event":"Signed Up",\
                            "timestamp":"%2$s"}""".formatted(u, now))
                    .collect(Collectors.joining(",", "{\"batch\":[", "]}"));
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            while (Instant.now().isBefore(deadline)) {
                try {
                    HttpResponse<Void> response = http.send(
                            HttpRequest.newBuilder(URI.create(ingest.url() + "/v1/batch"))
                                    .timeout(Duration.ofSeconds(15))
                                    .header("Content-Type", "application/json")
                                    .header("Authorization", authorization)
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() == 200) {
                        accepted.addAll(users);
                        return;
                    }
                } catch (IOException e) {
                    // not accepted: sent again below
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                retries.incrementAndGet();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            unaccepted.incrementAndGet();
        }

        void stop() {
            stopping.set(true);
        }

        long accepted() {
            return accepted.size();
        }

        Set<String> acceptedUsers() {
            return new TreeSet<>(accepted);
        }

        long retries() {
            return retries.get();
        }

        long unaccepted() {
            return unaccepted.get();
        }
    }

    /** Once a second: events accepted and inbox messages stored so far, and what happened when, printed at the end. */
    static final class Timeline implements Runnable {
        private final String run;
        private final Load load;
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final Instant start = Instant.now();
        private final Map<Long, String> marks = new java.util.concurrent.ConcurrentSkipListMap<>();
        private final Map<Long, long[]> samples = new java.util.concurrent.ConcurrentSkipListMap<>();
        private volatile long stored;

        Timeline(String run, Load load) {
            this.run = run;
            this.load = load;
        }

        @Override
        public void run() {
            while (!stopping.get()) {
                try {
                    stored = count("SELECT count(*) FROM dispatch.inbox_messages WHERE user_id LIKE ?", run);
                    samples.put(seconds(), new long[] {load.accepted(), stored});
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a sample missed; the next one counts
                }
            }
        }

        long stored() {
            return stored;
        }

        void mark(String what) {
            marks.put(seconds(), what);
            System.out.printf("%3d s  %s%n", seconds(), what);
        }

        void stop() {
            stopping.set(true);
        }

        private long seconds() {
            return Duration.between(start, Instant.now()).toSeconds();
        }

        /** Per 5 s: events accepted per second and inbox messages stored per second, with what happened. */
        void print() {
            System.out.println("  t (s)  accepted/s  stored/s");
            long[] previous = {0, 0};
            long previousAt = 0;
            for (Map.Entry<Long, long[]> e : samples.entrySet()) {
                if (e.getKey() % 5 != 0 || e.getKey() == previousAt) {
                    continue;
                }
                long span = Math.max(1, e.getKey() - previousAt);
                String what = marks.entrySet().stream()
                        .filter(m -> m.getKey() > e.getKey() - 5 && m.getKey() <= e.getKey())
                        .map(Map.Entry::getValue)
                        .collect(Collectors.joining("; "));
                System.out.printf(
                        "  %5d  %10d  %8d  %s%n",
                        e.getKey(),
                        (e.getValue()[0] - previous[0]) / span,
                        (e.getValue()[1] - previous[1]) / span,
                        what);
                previous = e.getValue();
                previousAt = e.getKey();
            }
        }
    }

    private static void pause(Duration duration) throws InterruptedException {
        // The load runs meanwhile: this is the time between two faults, not a wait for an outcome.
        Thread.sleep(duration);
    }

    private static Map<Long, Long> histogram(Map<String, Long> perUser) {
        return perUser.values().stream()
                .collect(Collectors.groupingBy(n -> n, java.util.TreeMap::new, Collectors.counting()));
    }

    private static long count(String sql, String run) throws Exception {
        return Rows.in(postgres).countOf(sql, run);
    }

    private static Map<String, Long> grouped(String sql, String run) throws Exception {
        return Rows.in(postgres).groupedBy(sql, run, String.class);
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new LinkedHashMap<>(a);
        all.putAll(b);
        return all;
    }
}
