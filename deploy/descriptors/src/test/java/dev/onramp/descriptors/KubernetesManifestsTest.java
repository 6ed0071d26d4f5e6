package dev.onramp.descriptors;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.kafka.JbodStorage;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.PersistentClaimStorage;
import io.strimzi.api.kafka.model.kafka.SingleVolumeStorage;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Kubernetes kit, rendered by kustomize as {@code kubectl apply -k} would, read into fabric8's and Strimzi's model
 * classes with unknown fields refused, and checked across resources: what one names, another provides.
 */
class KubernetesManifestsTest {

    private static final Set<String> SERVICES = Set.of("event-ingest", "journey-engine", "message-dispatch");

    /** The variable that stops each service creating topics: the ACLs forbid it, the topics are KafkaTopics. */
    private static final Map<String, String> TOPIC_CREATION = Map.of(
            "event-ingest", "ONRAMP_INGEST_TOPIC_CREATE",
            "journey-engine", "ONRAMP_ENGINE_TOPICS_CREATE",
            "message-dispatch", "ONRAMP_DISPATCH_TOPICS_CREATE");

    private static final Map<String, String> JOURNEYS = Map.of(
            "journey-engine", "ONRAMP_ENGINE_JOURNEYS_DIR",
            "message-dispatch", "ONRAMP_DISPATCH_TEMPLATES_DIR");

    private static final Map<String, String> RENDERED = new ConcurrentHashMap<>();

    static Stream<String> kits() {
        return Stream.of("base", "overlays/production");
    }

    /** Rendered once per run (kubectl takes a moment), read afresh for each test, which may change its copy. */
    private static Manifests render(String kit) {
        return Manifests.read(
                RENDERED.computeIfAbsent(kit, k -> Kustomize.render(Repo.path("deploy/kubernetes/" + k))));
    }

    /** What each service uses with its default settings, read from the services themselves. */
    private static Map<String, KafkaUse> services() {
        return Map.of(
                "event-ingest",
                KafkaUse.ofIngest(Repo.path("event-ingest/src/main/java/dev/onramp/ingest/IngestConfig.java")),
                "journey-engine",
                KafkaUse.ofChannels(
                        Repo.path("journey-engine/service/src/main/resources/application.properties"),
                        // The admin API's erasure requests (ErasureResource), written outside the channels.
                        Set.of("onramp.erasures")),
                "message-dispatch",
                KafkaUse.ofChannels(
                        Repo.path("message-dispatch/service/src/main/resources/application.properties"),
                        // What users write back (Conversations), relayed from the outbox under its own topic.
                        Set.of("onramp.conversations")));
    }

    private static DocumentedSecrets guide() {
        return DocumentedSecrets.read(Repo.path("docs/deploy.md"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void everyDocumentReadsIntoItsModelWithNoFieldTheModelDoesNotKnow(String kit) {
        Manifests manifests = render(kit);

        assertThat(manifests.problems()).isEmpty();
        assertThat(manifests.resources()).hasSizeGreaterThan(25);
    }

    @Test
    void aMisspeltFieldOrAnUnknownKindIsReportedWithWhereItIs() {
        // Given a Deployment, a KafkaTopic and a KafkaUser with misspelt fields, and a kind the kit does not use
        String yaml = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: typo
                spec:
                  replicaz: 2
                  selector:
                    matchLabels: {app: typo}
                  template:
                    metadata:
                      labels: {app: typo}
                    spec:
                      containers:
                        - name: typo
                          image: typo:1
                          imagePullPolicyy: Always
                ---
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaTopic
                metadata:
                  name: typo
                spec:
                  partitionz: 3
                ---
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaUser
                metadata:
                  name: typo
                spec:
                  authentication: {type: scram-sha-512}
                  authorization:
                    type: simple
                    acls:
                      - resource: {type: topic, name: t, patternType: literal}
                        operationz: [Read]
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: typo
                """;

        // When it is read
        Manifests manifests = Manifests.read(yaml);

        // Then each misspelling is reported with its path, though the models accepted them all
        assertThat(manifests.problems())
                .containsExactlyInAnyOrder(
                        "Deployment typo: unknown field spec.replicaz",
                        "Deployment typo: unknown field spec.template.spec.containers[0].imagePullPolicyy",
                        "KafkaTopic typo: unknown field spec.partitionz",
                        "KafkaUser typo: unknown field spec.authorization.acls[0].operationz",
                        "Pod typo: no model for v1/Pod (a kind the kit is not meant to use, or a typo)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void podsReadOnlySecretsThatStrimziMakesOrTheDeployGuideCreates(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.secretReferences(guide())).isEmpty();
        assertThat(checks.noSecretValues()).isEmpty();
    }

    @Test
    void aSecretOrKeyTheGuideDoesNotCreateIsReported() {
        // Given a pod that reads a Secret nobody creates, and a key the guide's command does not give
        Manifests kit = render("base");
        Deployment ingest = kit.get(Deployment.class, "event-ingest");
        KitChecks.container(ingest)
                .getEnv()
                .addAll(List.of(
                        new EnvVarBuilder()
                                .withName("LOST")
                                .withNewValueFrom()
                                .withNewSecretKeyRef("key", "onramp-nobody-creates", false)
                                .endValueFrom()
                                .build(),
                        new EnvVarBuilder()
                                .withName("MISSING_KEY")
                                .withNewValueFrom()
                                .withNewSecretKeyRef("no-such-key", "onramp-secrets", false)
                                .endValueFrom()
                                .build()));

        // When the references are checked
        List<String> problems = new KitChecks(kit).secretReferences(guide());

        // Then both are reported
        assertThat(problems)
                .hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("env LOST", "'onramp-nobody-creates'"))
                .anySatisfy(p -> assertThat(p).contains("env MISSING_KEY", "'no-such-key'"));
    }

    @Test
    void theGuideMakesEachApplicationSecretAtRandom() {
        DocumentedSecrets guide = guide();

        assertThat(guide.keysBySecret())
                .containsKeys(
                        "onramp-secrets",
                        "onramp-engine-db",
                        "onramp-dispatch-db",
                        "onramp-smtp",
                        "onramp-sms",
                        "onramp-journeys-git");
        for (String key : guide.keysBySecret().get("onramp-secrets")) {
            assertThat(guide.text()).contains("--from-literal=" + key + "=\"$(openssl rand -hex 32)\"");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void podsReadOnlyConfigMapKeysTheKitDefinesAndVariablesDefinedBeforeUse(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.configMapReferences()).isEmpty();
        assertThat(checks.envExpansions()).isEmpty();
    }

    @Test
    void anUndefinedVariableInAnArgumentIsReported() {
        // Given git-sync told to use a variable its container does not define
        Manifests kit = render("base");
        Deployment engine = kit.get(Deployment.class, "journey-engine");
        KitChecks.pod(engine).getInitContainers().getFirst().getArgs().add("--ref=$(JOURNEYS_REFF)");

        // Then it is reported: Kubernetes would pass the text on as it is
        assertThat(new KitChecks(kit).envExpansions())
                .containsExactly("Deployment journey-engine container journeys-clone uses $(JOURNEYS_REFF) in its "
                        + "arguments, which is not one of its env variables");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void eachServiceMayUseExactlyTheTopicsAndGroupsItUsesByDefault(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.aclTopicsExist()).isEmpty();
        assertThat(checks.aclsCoverServices(services())).isEmpty();
    }

    @Test
    void theServicesDefaultsAreReadFromTheServices() {
        // A guard on the reading itself: if it found nothing, every ACL check above would pass vacuously.
        Map<String, KafkaUse> services = services();

        assertThat(services.get("event-ingest").writes()).containsExactly("onramp.events");
        assertThat(services.get("journey-engine").reads())
                .containsExactlyInAnyOrder(
                        "onramp.events", "onramp.delivery-events", "onramp.conversations", "onramp.erasures");
        assertThat(services.get("journey-engine").groups())
                .containsExactlyInAnyOrder("journey-engine", "journey-engine-erasures");
        assertThat(services.get("journey-engine").writes())
                .contains("onramp.message-requests", "onramp.erasures", "onramp.events.dlq", "onramp.erasures.dlq");
        assertThat(services.get("message-dispatch").reads())
                .containsExactlyInAnyOrder("onramp.message-requests", "onramp.erasures");
        assertThat(services.get("message-dispatch").groups())
                .containsExactlyInAnyOrder("message-dispatch", "message-dispatch-erasures");
        assertThat(services.get("message-dispatch").writes())
                .contains("onramp.delivery-events", "onramp.conversations", "onramp.message-requests.dlq");
    }

    @Test
    void anAclOnAMissingTopicAndAServiceWithoutTheAclItNeedsAreReported() {
        // Given the engine's user allowed to read "onramp.event" instead of "onramp.events"
        Manifests kit = render("base");
        KafkaUser engine = kit.get(KafkaUser.class, "journey-engine");
        ((KafkaUserAuthorizationSimple) engine.getSpec().getAuthorization())
                .getAcls().stream()
                        .filter(rule -> rule.getResource() instanceof AclRuleTopicResource t
                                && t.getName().equals("onramp.events"))
                        .forEach(rule -> ((AclRuleTopicResource) rule.getResource()).setName("onramp.event"));

        // When the ACLs are checked
        KitChecks checks = new KitChecks(kit);

        // Then the typo and what it takes from the engine are both reported
        assertThat(checks.aclTopicsExist())
                .containsExactly("KafkaUser journey-engine has an ACL on topic 'onramp.event', which is not a "
                        + "KafkaTopic of the kit");
        assertThat(checks.aclsCoverServices(services()))
                .containsExactly("KafkaUser journey-engine may not READ topic 'onramp.events', which the service "
                        + "uses by default");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void servicesProbesAndTheServiceMonitorReachPortsTheContainersDeclare(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.servicePorts()).isEmpty();
        assertThat(checks.metricsScraping(SERVICES)).isEmpty();
        assertThat(checks.probes(SERVICES)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void everyDeploymentHasAnAutoscalerAndADisruptionBudgetThatActOnIt(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.scalingAndDisruption()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void consumersNeverScaleBeyondThePartitionsTheyRead(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.consumersWithinPartitions(services())).isEmpty();
    }

    @Test
    void anAutoscalerAllowedMoreConsumersThanPartitionsIsReported() {
        Manifests kit = render("base");
        kit.get(HorizontalPodAutoscaler.class, "message-dispatch").getSpec().setMaxReplicas(24);

        assertThat(new KitChecks(kit).consumersWithinPartitions(services()))
                .hasSize(2)
                .allSatisfy(p -> assertThat(p).startsWith("HorizontalPodAutoscaler message-dispatch may run 24"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void kafkaKeepsEveryAcknowledgedRecordThroughTheLossOfOneBroker(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.strimziClusters()).isEmpty();
        assertThat(checks.kafkaDurability()).isEmpty();
    }

    @Test
    void topicsAreTheWireContractsWithTheirDeadLetterTopics() {
        Manifests kit = render("base");

        Map<String, KafkaTopic> topics = new java.util.HashMap<>();
        kit.all(KafkaTopic.class).forEach(t -> topics.put(KitChecks.topicName(t), t));
        long week = 7L * 24 * 3600 * 1000;
        for (String topic :
                List.of("onramp.events", "onramp.message-requests", "onramp.delivery-events", "onramp.conversations")) {
            assertThat(topics.get(topic).getSpec().getPartitions()).as(topic).isEqualTo(12);
            assertThat(retention(topics.get(topic))).as(topic).isEqualTo(week);
        }
        assertThat(retention(topics.get("onramp.erasures"))).isEqualTo(30 * week / 7);
        for (String topic : List.of(
                "onramp.events",
                "onramp.message-requests",
                "onramp.delivery-events",
                "onramp.conversations",
                "onramp.erasures")) {
            KafkaTopic dlq = topics.get(topic + ".dlq");
            assertThat(dlq).as(topic + ".dlq").isNotNull();
            assertThat(dlq.getSpec().getPartitions()).isEqualTo(1);
            assertThat(retention(dlq)).isEqualTo(30 * week / 7);
            assertThat(dlq.getMetadata().getName()).isEqualTo(topic.replace('.', '-') + "-dlq");
        }
        assertThat(topics).hasSize(10);
    }

    private static long retention(KafkaTopic topic) {
        return Long.parseLong(String.valueOf(topic.getSpec().getConfig().get("retention.ms")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void servicesConnectToKafkaOverTlsAsTheirOwnUserAndCreateNoTopic(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.kafkaClients(TOPIC_CREATION)).isEmpty();
        assertThat(checks.kafkaNetworkPolicy(SERVICES)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void podsRunUnprivilegedWithResourceLimitsAndNoApiToken(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.podHardening(SERVICES)).isEmpty();
    }

    @Test
    void aPodThatMayWriteItsRootFileSystemIsReported() {
        Manifests kit = render("base");
        KitChecks.container(kit.get(Deployment.class, "event-ingest"))
                .getSecurityContext()
                .setReadOnlyRootFilesystem(false);

        assertThat(new KitChecks(kit).podHardening(SERVICES))
                .containsExactly("Deployment event-ingest container event-ingest has a writable root file system");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kits")
    void engineAndDispatchReadJourneysKeptInStepWithGit(String kit) {
        KitChecks checks = new KitChecks(render(kit));

        assertThat(checks.journeysFromGit(JOURNEYS)).isEmpty();
    }

    @Test
    void productionSeparatesControllersFromBrokersAndRunsAtLeastThreeOfEachService() {
        Manifests kit = render("overlays/production");

        Map<String, KafkaNodePool> pools = new java.util.HashMap<>();
        kit.all(KafkaNodePool.class).forEach(p -> pools.put(p.getMetadata().getName(), p));
        assertThat(pools).containsOnlyKeys("controller", "broker");
        assertThat(pools.get("controller").getSpec().getRoles()).containsExactly(ProcessRoles.CONTROLLER);
        assertThat(pools.get("broker").getSpec().getRoles()).containsExactly(ProcessRoles.BROKER);
        for (KafkaNodePool pool : pools.values()) {
            assertThat(pool.getSpec().getReplicas()).isEqualTo(3);
            List<SingleVolumeStorage> volumes = ((JbodStorage) pool.getSpec().getStorage()).getVolumes();
            assertThat(volumes)
                    .allSatisfy(v -> assertThat(v).isInstanceOf(PersistentClaimStorage.class))
                    .allSatisfy(v -> assertThat(((PersistentClaimStorage) v).isDeleteClaim())
                            .isFalse());
        }
        assertThat(kit.get(Kafka.class, "onramp").getSpec().getKafka().getRack().getTopologyKey())
                .isEqualTo("topology.kubernetes.io/zone");
        for (String service : SERVICES) {
            assertThat(kit.get(HorizontalPodAutoscaler.class, service).getSpec().getMinReplicas())
                    .as(service)
                    .isGreaterThanOrEqualTo(3);
            assertThat(kit.get(PodDisruptionBudget.class, service)
                            .getSpec()
                            .getMaxUnavailable()
                            .getIntVal())
                    .as(service)
                    .isEqualTo(1);
            assertThat(KitChecks.pod(kit.get(Deployment.class, service)).getTopologySpreadConstraints())
                    .as(service)
                    .isNotEmpty();
        }
    }
}
