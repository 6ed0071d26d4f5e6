package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.SelfSignedCertificate;
import dev.onramp.infra.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three services on a Kafka that works like a managed one: clients authenticate with SCRAM-SHA-512 over TLS (the
 * broker's certificate trusted as a PEM file, as Strimzi hands out its cluster CA), no topic is created by anyone but
 * the operator, and each service may do only what the ACLs of its {@code KafkaUser} in {@code deploy/kubernetes}
 * allow. The topics and the ACLs are read from those manifests, so this test fails when they miss something a service
 * needs: accepting an event, deciding, storing an in-app message, reporting its delivery, parking a poison record on
 * a dead-letter topic, and erasing a user. PostgreSQL takes TLS connections only, and the services reach it with
 * {@code sslmode=verify-full} in their JDBC URL, as a managed database is reached.
 */
class ManagedKafkaIT {

    static final Path ROOT = ThreeServices.ROOT;
    static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes/base");
    static final Path JOURNEYS = Path.of("src/test/resources/reliability").toAbsolutePath();
    static final Path LOGS = Path.of("target/e2e-logs").toAbsolutePath();
    static final String SOURCE = "managed";
    static final List<String> SERVICES = List.of("event-ingest", "journey-engine", "message-dispatch");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static KafkaProcess.Secured secured;
    static KafkaProcess kafka;
    static EmbeddedPostgresServer postgres;
    static ServiceProcess ingest;
    static ServiceProcess engine;
    static ServiceProcess dispatch;
    static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startOnAManagedLikeKafka() throws Exception {
        Path data = Files.createTempDirectory("onramp-managed");
        Map<String, String> users = new LinkedHashMap<>();
        users.put("admin", "admin-" + UUID.randomUUID());
        SERVICES.forEach(s -> users.put(s, s + "-" + UUID.randomUUID()));
        secured = KafkaProcess.Secured.selfSigned(data.resolve("tls"), users);
        kafka = KafkaProcess.startSecured(
                data.resolve("kafka"), FreePorts.find(), FreePorts.find(), LOGS.resolve("managed-kafka.log"), secured);
        applyTheManifests();
        postgres = EmbeddedPostgresServer.startWithTls(
                SelfSignedCertificate.create(data.resolve("postgres-tls")), data.resolve("postgres"));

        List<String> jvm = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");
        ingest = new ServiceProcess(
                "managed-ingest",
                ServiceProcess.jarOf(ROOT, "event-ingest"),
                FreePorts.find(),
                LocalSecrets.ingest(
                        SOURCE, with(kafkaEnv("event-ingest"), Map.of("ONRAMP_INGEST_TOPIC_CREATE", "false"))),
                LOGS.resolve("managed-ingest.log"),
                jvm);
        engine = new ServiceProcess(
                "managed-engine",
                ServiceProcess.jarOf(ROOT, "journey-engine/service"),
                FreePorts.find(),
                LocalSecrets.engine(with(
                        kafkaEnv("journey-engine"),
                        with(
                                Rows.datasource(postgres),
                                Map.of(
                                        "ONRAMP_ENGINE_TOPICS_CREATE",
                                        "false",
                                        "ONRAMP_ENGINE_JOURNEYS_DIR",
                                        JOURNEYS.toString())))),
                LOGS.resolve("managed-engine.log"),
                jvm);
        dispatch = new ServiceProcess(
                "managed-dispatch",
                ServiceProcess.jarOf(ROOT, "message-dispatch/service"),
                FreePorts.find(),
                LocalSecrets.dispatch(with(
                        kafkaEnv("message-dispatch"),
                        with(
                                Rows.datasource(postgres),
                                Map.of(
                                        "ONRAMP_DISPATCH_TOPICS_CREATE",
                                        "false",
                                        "ONRAMP_DISPATCH_TEMPLATES_DIR",
                                        JOURNEYS.resolve("templates").toString())))),
                LOGS.resolve("managed-dispatch.log"),
                jvm);
        for (ServiceProcess s : List.of(ingest, engine, dispatch)) {
            s.start();
        }
        for (ServiceProcess s : List.of(ingest, engine, dispatch)) {
            s.awaitReady(Duration.ofSeconds(120));
        }
    }

    @AfterAll
    static void stopEverything() {
        for (ServiceProcess s : new ServiceProcess[] {dispatch, engine, ingest}) {
            if (s != null) {
                s.close();
            }
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void everyServiceDoesItsWholeJobWithOnlyTheAclsOfItsKafkaUser() throws Exception {
        String user = "managed-" + UUID.randomUUID();

        // Accepted, decided, stored, reported back.
        assertThat(signUp(user)).as("event-ingest accepted the sign-up").isEqualTo(200);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> count("SELECT count(*) FROM dispatch.inbox_messages WHERE user_id LIKE ?", user) == 2);
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        count("SELECT count(*) FROM engine.decisions WHERE user_id LIKE ? AND kind = 'delivery'", user)
                                == 2);

        // A record no service can read is parked on the dead-letter topic the engine may write.
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(admin(), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("onramp.events", "poison-" + user, "this is not JSON"))
                    .get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> keysOn("onramp.events.dlq").contains("poison-" + user));

        // Erased through the engine's admin API: the request crosses onramp.erasures to both services.
        HttpResponse<String> erasure = http.send(
                HttpRequest.newBuilder(URI.create(engine.url() + "/v1/users/" + user + "/erasure"))
                        .header("Authorization", "Bearer " + LocalSecrets.ADMIN_TOKEN)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(erasure.statusCode()).as(erasure.body()).isBetween(200, 299);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> count("SELECT count(*) FROM dispatch.inbox_messages WHERE user_id LIKE ?", user) == 0
                        && count("SELECT count(*) FROM engine.decisions WHERE user_id LIKE ?", user) == 0);

        assertThat(Files.readString(LOGS.resolve("managed-engine.log")))
                .as("the engine created no topic")
                .doesNotContain("created topic");
    }

    @Test
    void postgresqlTakesTlsOnlySoTheServicesUsedIt() {
        String plain = postgres.jdbcUrl().replaceAll("\\?.*", "") + "?sslmode=disable";
        assertThatThrownBy(() -> java.sql.DriverManager.getConnection(plain, postgres.username(), postgres.password())
                        .close())
                .as("a connection without TLS")
                .hasMessageContaining("no encryption");
        assertThat(postgres.jdbcUrl()).contains("sslmode=verify-full");
    }

    @Test
    void theAclsAreEnforced() {
        // event-ingest's user may write events, not read them: the broker refuses it, so the test above proves the
        // ACLs it was given are enough rather than that nothing was checked.
        Map<String, Object> config = new HashMap<>(clientConfig("event-ingest"));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "journey-engine");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("onramp.events"));
            assertThatThrownBy(() -> {
                        for (int i = 0; i < 20; i++) {
                            consumer.poll(Duration.ofMillis(500));
                        }
                    })
                    .isInstanceOfAny(
                            TopicAuthorizationException.class,
                            org.apache.kafka.common.errors.GroupAuthorizationException.class);
        }
    }

    /** Creates the KafkaTopics and the KafkaUsers' ACLs of the Kubernetes manifests on the broker, as Strimzi would. */
    private static void applyTheManifests() throws Exception {
        List<JsonNode> resources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(KUBERNETES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                try (var parser = YAML.getFactory().createParser(file.toFile())) {
                    YAML.readValues(parser, JsonNode.class).forEachRemaining(resources::add);
                }
            }
        }
        List<NewTopic> topics = new ArrayList<>();
        List<AclBinding> acls = new ArrayList<>();
        for (JsonNode r : resources) {
            if (r == null || !r.path("apiVersion").asText().startsWith("kafka.strimzi.io/")) {
                continue;
            }
            JsonNode spec = r.path("spec");
            switch (r.path("kind").asText()) {
                case "KafkaTopic" ->
                    topics.add(new NewTopic(
                            spec.path("topicName")
                                    .asText(r.path("metadata").path("name").asText()),
                            spec.path("partitions").asInt(1),
                            (short) 1));
                case "KafkaUser" -> {
                    String principal = "User:" + r.path("metadata").path("name").asText();
                    for (JsonNode acl : spec.path("authorization").path("acls")) {
                        JsonNode resource = acl.path("resource");
                        ResourcePattern pattern = new ResourcePattern(
                                ResourceType.fromString(resource.path("type").asText()),
                                resource.path("name").asText("kafka-cluster"),
                                resource.path("patternType").asText("literal").equals("prefix")
                                        ? PatternType.PREFIXED
                                        : PatternType.LITERAL);
                        List<String> operations = new ArrayList<>();
                        acl.path("operations").forEach(o -> operations.add(o.asText()));
                        if (acl.has("operation")) {
                            operations.add(acl.path("operation").asText());
                        }
                        for (String operation : operations) {
                            acls.add(new AclBinding(
                                    pattern,
                                    new AccessControlEntry(
                                            principal,
                                            acl.path("host").asText("*"),
                                            AclOperation.fromString(operation
                                                    .replaceAll("([a-z])([A-Z])", "$1_$2")
                                                    .toUpperCase(Locale.ROOT)),
                                            acl.path("type").asText("allow").equalsIgnoreCase("deny")
                                                    ? AclPermissionType.DENY
                                                    : AclPermissionType.ALLOW)));
                        }
                    }
                }
                default -> {}
            }
        }
        assertThat(topics).as("KafkaTopics in " + KUBERNETES).isNotEmpty();
        assertThat(acls).as("ACLs of the KafkaUsers in " + KUBERNETES).isNotEmpty();
        try (Admin admin = Admin.create(admin())) {
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the manifests' topics or ACLs were refused", e.getCause());
        }
        System.out.printf("managed: %d topics and %d ACL entries from the manifests%n", topics.size(), acls.size());
    }

    private static int signUp(String user) throws IOException, InterruptedException {
        String auth = Base64.getEncoder()
                .encodeToString((LocalSecrets.writeKey(SOURCE) + ":").getBytes(StandardCharsets.UTF_8));
        return http.send(
                        HttpRequest.newBuilder(URI.create(ingest.url() + "/v1/track"))
                                .header("Content-Type", "application/json")
                                .header("Authorization", "Basic " + auth)
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"userId\":\"" + user + "\",\"event\":\"Signed Up\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static List<String> keysOn(String topic) {
        Map<String, Object> config = new HashMap<>(admin());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "managed-reader-" + UUID.randomUUID());
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            for (int i = 0; i < 10 && keys.isEmpty(); i++) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> keys.add(r.key()));
            }
        }
        return keys;
    }

    /** The {@code KAFKA_*} variables a service gets in Kubernetes, with this user's credentials. */
    private static Map<String, String> kafkaEnv(String user) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        secured.clientConfig(user)
                .forEach((key, value) ->
                        env.put("KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_'), value));
        return env;
    }

    private static Map<String, Object> clientConfig(String user) {
        Map<String, Object> config = new HashMap<>(secured.clientConfig(user));
        config.put("bootstrap.servers", kafka.bootstrapServers());
        return config;
    }

    private static Map<String, Object> admin() {
        return kafka.adminConfig();
    }

    /** Rows of this one user (the ids here are UUIDs: no other user's starts with one). */
    private static long count(String sql, String user) throws Exception {
        return Rows.in(postgres).countOf(sql, user);
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new LinkedHashMap<>(a);
        all.putAll(b);
        return all;
    }
}
