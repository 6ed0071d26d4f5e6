package dev.onramp.descriptors;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclResourcePatternType;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks of a rendered Kubernetes kit that the model classes cannot make: that what one resource names exists in
 * another, and the few properties the design relies on. Each returns every problem found, described so that the fix
 * is obvious, and an empty list when there is none.
 */
final class KitChecks {

    /** The operations no service needs: the kit's topics are KafkaTopics, owned by the Topic Operator. */
    private static final Set<AclOperation> FORBIDDEN = Set.of(
            AclOperation.CREATE,
            AclOperation.DELETE,
            AclOperation.ALTER,
            AclOperation.ALTERCONFIGS,
            AclOperation.CLUSTERACTION,
            AclOperation.ALL);

    private static final Pattern EXPANSION = Pattern.compile("(?<!\\$)\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private final Manifests kit;

    KitChecks(Manifests kit) {
        this.kit = kit;
    }

    // ---- references between resources ----

    /**
     * Every Secret a pod reads is one Strimzi makes (one per KafkaUser; the cluster CA's) or one docs/deploy.md has
     * the operator create, with the key the pod reads.
     */
    List<String> secretReferences(DocumentedSecrets doc) {
        Map<String, Set<String>> strimzi = new HashMap<>();
        kit.all(KafkaUser.class).forEach(u -> strimzi.put(name(u), Set.of("password", "sasl.jaas.config")));
        kit.all(Kafka.class)
                .forEach(k -> strimzi.put(name(k) + "-cluster-ca-cert", Set.of("ca.crt", "ca.p12", "ca.password")));
        List<String> problems = new ArrayList<>();
        BiConsumer<String, SecretUse> check = (where, use) -> {
            Set<String> keys = strimzi.containsKey(use.secret())
                    ? strimzi.get(use.secret())
                    : doc.keysBySecret().get(use.secret());
            if (keys == null) {
                problems.add(where + " reads Secret '" + use.secret() + "', which neither Strimzi makes nor a "
                        + "`kubectl create secret generic` command of docs/deploy.md creates");
            } else if (use.key() != null && !keys.contains(use.key())) {
                boolean documentedOptional = use.optional() && doc.mentions(use.key());
                if (!documentedOptional) {
                    problems.add(where + " reads key '" + use.key() + "' of Secret '" + use.secret() + "', which "
                            + (strimzi.containsKey(use.secret())
                                    ? "Strimzi does not put there"
                                    : "docs/deploy.md's command does not give"
                                            + (use.optional() ? " nor name as `" + use.key() + "`" : ""))
                            + " (keys: " + keys + ")");
                }
            }
        };
        for (Deployment d : kit.all(Deployment.class)) {
            PodSpec pod = pod(d);
            for (Container c : containers(pod)) {
                for (EnvVar e : env(c)) {
                    var ref = e.getValueFrom() == null ? null : e.getValueFrom().getSecretKeyRef();
                    if (ref != null) {
                        check.accept(
                                where(d, c) + " env " + e.getName(),
                                new SecretUse(ref.getName(), ref.getKey(), Boolean.TRUE.equals(ref.getOptional())));
                    }
                }
                list(c.getEnvFrom()).stream()
                        .filter(f -> f.getSecretRef() != null)
                        .forEach(f -> check.accept(
                                where(d, c) + " envFrom",
                                new SecretUse(
                                        f.getSecretRef().getName(),
                                        null,
                                        Boolean.TRUE.equals(f.getSecretRef().getOptional()))));
            }
            for (Volume v : list(pod.getVolumes())) {
                String where = "Deployment " + name(d) + " volume " + v.getName();
                if (v.getSecret() != null) {
                    String secret = v.getSecret().getSecretName();
                    boolean optional = Boolean.TRUE.equals(v.getSecret().getOptional());
                    check.accept(where, new SecretUse(secret, null, optional));
                    list(v.getSecret().getItems())
                            .forEach(i -> check.accept(where, new SecretUse(secret, i.getKey(), optional)));
                }
                if (v.getProjected() != null) {
                    for (VolumeProjection source : list(v.getProjected().getSources())) {
                        if (source.getSecret() != null) {
                            String secret = source.getSecret().getName();
                            boolean optional =
                                    Boolean.TRUE.equals(source.getSecret().getOptional());
                            check.accept(where, new SecretUse(secret, null, optional));
                            list(source.getSecret().getItems())
                                    .forEach(i -> check.accept(where, new SecretUse(secret, i.getKey(), optional)));
                        }
                    }
                }
            }
        }
        return problems.stream().distinct().toList();
    }

    private record SecretUse(String secret, String key, boolean optional) {}

    /** The kit carries no secret value: a Secret with data would be committed to git with it. */
    List<String> noSecretValues() {
        return kit.all(Secret.class).stream()
                .filter(s ->
                        !map(s.getData()).isEmpty() || !map(s.getStringData()).isEmpty())
                .map(s -> "Secret " + name(s) + " carries values: refer to a Secret the operator creates instead")
                .toList();
    }

    /** Every ConfigMap a pod reads is in the kit, with the key it reads. */
    List<String> configMapReferences() {
        Map<String, Set<String>> maps = new HashMap<>();
        kit.all(ConfigMap.class)
                .forEach(cm -> maps.put(name(cm), map(cm.getData()).keySet()));
        List<String> problems = new ArrayList<>();
        for (Deployment d : kit.all(Deployment.class)) {
            PodSpec pod = pod(d);
            for (Container c : containers(pod)) {
                for (EnvVar e : env(c)) {
                    var ref = e.getValueFrom() == null ? null : e.getValueFrom().getConfigMapKeyRef();
                    if (ref == null || Boolean.TRUE.equals(ref.getOptional())) {
                        continue;
                    }
                    if (!maps.containsKey(ref.getName())) {
                        problems.add(where(d, c) + " env " + e.getName() + " reads ConfigMap '" + ref.getName()
                                + "', which is not in the kit");
                    } else if (!maps.get(ref.getName()).contains(ref.getKey())) {
                        problems.add(where(d, c) + " env " + e.getName() + " reads key '" + ref.getKey()
                                + "' of ConfigMap '" + ref.getName() + "', which has " + maps.get(ref.getName()));
                    }
                }
                list(c.getEnvFrom()).stream()
                        .filter(f -> f.getConfigMapRef() != null
                                && !Boolean.TRUE.equals(f.getConfigMapRef().getOptional()))
                        .filter(f -> !maps.containsKey(f.getConfigMapRef().getName()))
                        .forEach(f -> problems.add(where(d, c) + " envFrom reads ConfigMap '"
                                + f.getConfigMapRef().getName() + "', which is not in the kit"));
            }
            for (Volume v : list(pod.getVolumes())) {
                if (v.getConfigMap() == null
                        || Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                    continue;
                }
                String cm = v.getConfigMap().getName();
                if (!maps.containsKey(cm)) {
                    problems.add("Deployment " + name(d) + " volume " + v.getName() + " mounts ConfigMap '" + cm
                            + "', which is not in the kit");
                } else {
                    list(v.getConfigMap().getItems()).stream()
                            .filter(i -> !maps.get(cm).contains(i.getKey()))
                            .forEach(i -> problems.add("Deployment " + name(d) + " volume " + v.getName()
                                    + " mounts key '" + i.getKey() + "' of ConfigMap '" + cm + "', which lacks it"));
                }
            }
        }
        return problems;
    }

    /**
     * Every {@code $(NAME)} in a container's command, args and env values names a variable defined before it:
     * Kubernetes leaves an unknown one as it is, so a typo would reach the program as the literal text.
     */
    List<String> envExpansions() {
        List<String> problems = new ArrayList<>();
        for (Deployment d : kit.all(Deployment.class)) {
            for (Container c : containers(pod(d))) {
                Set<String> defined = new HashSet<>();
                for (EnvVar e : env(c)) {
                    if (e.getValue() != null) {
                        expansions(e.getValue()).stream()
                                .filter(n -> !defined.contains(n))
                                .forEach(n -> problems.add(where(d, c) + " env " + e.getName() + " uses $(" + n
                                        + "), which is not defined before it"));
                    }
                    defined.add(e.getName());
                }
                List<String> words = new ArrayList<>(list(c.getCommand()));
                words.addAll(list(c.getArgs()));
                words.stream()
                        .flatMap(w -> expansions(w).stream())
                        .filter(n -> !defined.contains(n))
                        .distinct()
                        .forEach(n -> problems.add(where(d, c) + " uses $(" + n + ") in its arguments, which is not"
                                + " one of its env variables"));
            }
        }
        return problems;
    }

    /** Every topic a KafkaUser's ACL names is a KafkaTopic of the kit (a typo would grant nothing). */
    List<String> aclTopicsExist() {
        Set<String> topics = topicNames();
        List<String> problems = new ArrayList<>();
        for (KafkaUser user : kit.all(KafkaUser.class)) {
            for (AclRule rule : acls(user)) {
                if (rule.getResource() instanceof AclRuleTopicResource topic) {
                    boolean exists = topic.getPatternType() == AclResourcePatternType.PREFIX
                            ? topics.stream().anyMatch(t -> t.startsWith(topic.getName()))
                            : topics.contains(topic.getName())
                                    || (topic.getName().endsWith(".dlq")
                                            && topics.contains(topic.getName().replaceFirst("\\.dlq$", "")));
                    if (!exists) {
                        problems.add("KafkaUser " + name(user) + " has an ACL on topic '" + topic.getName()
                                + "', which is not a KafkaTopic of the kit");
                    }
                }
            }
        }
        return problems;
    }

    /**
     * Each service's KafkaUser (same name as its Deployment, whose Kafka password it reads) allows what the service
     * does with its default settings, and nothing that creates, deletes or reconfigures.
     */
    List<String> aclsCoverServices(Map<String, KafkaUse> services) {
        List<String> problems = new ArrayList<>();
        services.forEach((service, use) -> {
            Optional<KafkaUser> found = kit.find(KafkaUser.class, service);
            if (found.isEmpty()) {
                problems.add("no KafkaUser named " + service);
                return;
            }
            KafkaUser user = found.get();
            kit.find(Deployment.class, service)
                    .ifPresentOrElse(
                            d -> {
                                String jaas = secretOf(container(d), "KAFKA_SASL_JAAS_CONFIG");
                                if (!service.equals(jaas)) {
                                    problems.add("Deployment " + service + " reads KAFKA_SASL_JAAS_CONFIG from Secret '"
                                            + jaas + "', not from its KafkaUser's Secret '" + service + "'");
                                }
                            },
                            () -> problems.add("no Deployment named " + service));
            use.reads().forEach(t -> require(problems, user, "topic", t, AclOperation.READ));
            use.groups().forEach(g -> require(problems, user, "group", g, AclOperation.READ));
            use.writes().forEach(t -> require(problems, user, "topic", t, AclOperation.WRITE));
        });
        for (KafkaUser user : kit.all(KafkaUser.class)) {
            for (AclRule rule : acls(user)) {
                operations(rule).stream()
                        .filter(FORBIDDEN::contains)
                        .forEach(op -> problems.add("KafkaUser " + name(user) + " may " + op + " on "
                                + rule.getResource().getType() + ": no service needs it"));
            }
        }
        return problems;
    }

    private void require(List<String> problems, KafkaUser user, String type, String name, AclOperation operation) {
        boolean allowed = acls(user).stream()
                .filter(rule -> matches(rule, type, name))
                .anyMatch(rule ->
                        operations(rule).contains(operation) || operations(rule).contains(AclOperation.ALL));
        if (!allowed) {
            problems.add("KafkaUser " + name(user) + " may not " + operation + " " + type + " '" + name
                    + "', which the service uses by default");
        }
    }

    // ---- ports, probes, selectors ----

    /** Every Service selects a Deployment and sends each port to a port its containers declare. */
    List<String> servicePorts() {
        List<String> problems = new ArrayList<>();
        for (Service service : kit.all(Service.class)) {
            List<Deployment> selected = kit.all(Deployment.class).stream()
                    .filter(d -> selects(service.getSpec().getSelector(), podLabels(d)))
                    .toList();
            if (selected.isEmpty()) {
                problems.add("Service " + name(service) + " selects no Deployment");
            }
            for (ServicePort port : list(service.getSpec().getPorts())) {
                for (Deployment d : selected) {
                    if (containerPort(d, port.getTargetPort()).isEmpty()) {
                        problems.add("Service " + name(service) + " port " + port.getName() + " targets "
                                + text(port.getTargetPort()) + ", which no container of Deployment " + name(d)
                                + " declares");
                    }
                }
            }
        }
        return problems;
    }

    /**
     * Every ServiceMonitor selects every service's Service, scrapes a port those Services have at /q/metrics, and
     * that port reaches the container port the service serves its metrics on (ONRAMP_METRICS_PORT).
     */
    List<String> metricsScraping(Set<String> services) {
        List<String> problems = new ArrayList<>();
        List<ServiceMonitor> monitors = kit.all(ServiceMonitor.class);
        if (monitors.isEmpty()) {
            problems.add("no ServiceMonitor: the services' metrics would not be scraped");
        }
        for (ServiceMonitor monitor : monitors) {
            List<Service> selected = kit.all(Service.class).stream()
                    .filter(s -> selects(
                            monitor.getSpec().getSelector(), map(s.getMetadata().getLabels())))
                    .toList();
            services.stream()
                    .filter(n -> selected.stream().noneMatch(s -> name(s).equals(n)))
                    .forEach(n -> problems.add("ServiceMonitor " + name(monitor) + " does not select Service " + n));
            for (Endpoint endpoint : list(monitor.getSpec().getEndpoints())) {
                if (!"/q/metrics".equals(endpoint.getPath())) {
                    problems.add(
                            "ServiceMonitor " + name(monitor) + " scrapes " + endpoint.getPath() + ", not /q/metrics");
                }
                for (Service service : selected) {
                    Optional<ServicePort> port = list(service.getSpec().getPorts()).stream()
                            .filter(p -> Objects.equals(p.getName(), endpoint.getPort()))
                            .findFirst();
                    if (port.isEmpty()) {
                        problems.add("ServiceMonitor " + name(monitor) + " scrapes port '" + endpoint.getPort()
                                + "', which Service " + name(service) + " does not have");
                        continue;
                    }
                    kit.find(Deployment.class, name(service)).ifPresent(d -> {
                        Optional<ContainerPort> target =
                                containerPort(d, port.get().getTargetPort());
                        String metricsPort = value(container(d), "ONRAMP_METRICS_PORT");
                        if (target.isEmpty()
                                || !String.valueOf(target.get().getContainerPort())
                                        .equals(metricsPort)) {
                            problems.add("Service " + name(service) + " port " + endpoint.getPort() + " reaches "
                                    + target.map(ContainerPort::getContainerPort)
                                            .orElse(null)
                                    + ", but the service serves its metrics on ONRAMP_METRICS_PORT=" + metricsPort);
                        }
                    });
                }
            }
        }
        return problems;
    }

    /** Every probe's port is one its container declares; the services' probes are Quarkus' health endpoints. */
    List<String> probes(Set<String> services) {
        List<String> problems = new ArrayList<>();
        for (Deployment d : kit.all(Deployment.class)) {
            for (Container c : containers(pod(d))) {
                Map<String, Probe> probes = new HashMap<>();
                if (c.getStartupProbe() != null) probes.put("startup", c.getStartupProbe());
                if (c.getReadinessProbe() != null) probes.put("readiness", c.getReadinessProbe());
                if (c.getLivenessProbe() != null) probes.put("liveness", c.getLivenessProbe());
                probes.forEach((kind, probe) -> {
                    IntOrString port = probe.getHttpGet() != null
                            ? probe.getHttpGet().getPort()
                            : probe.getTcpSocket() != null
                                    ? probe.getTcpSocket().getPort()
                                    : null;
                    if (port != null && containerPort(c, port).isEmpty()) {
                        problems.add(where(d, c) + " " + kind + " probe uses port " + text(port)
                                + ", which the container does not declare");
                    }
                });
                if (services.contains(c.getName())) {
                    Map<String, String> paths = Map.of(
                            "startup", "/q/health/started",
                            "readiness", "/q/health/ready",
                            "liveness", "/q/health/live");
                    paths.forEach((kind, path) -> {
                        Probe probe = probes.get(kind);
                        String actual = probe == null || probe.getHttpGet() == null
                                ? null
                                : probe.getHttpGet().getPath();
                        if (!path.equals(actual)) {
                            problems.add(where(d, c) + " " + kind + " probe is " + actual + ", not GET " + path);
                        }
                    });
                }
            }
        }
        return problems;
    }

    /** HPAs and PDBs act on Deployments of the kit, and each Deployment has one of each. */
    List<String> scalingAndDisruption() {
        List<String> problems = new ArrayList<>();
        List<Deployment> deployments = kit.all(Deployment.class);
        for (HorizontalPodAutoscaler hpa : kit.all(HorizontalPodAutoscaler.class)) {
            var target = hpa.getSpec().getScaleTargetRef();
            if (!"Deployment".equals(target.getKind())
                    || kit.find(Deployment.class, target.getName()).isEmpty()) {
                problems.add("HorizontalPodAutoscaler " + name(hpa) + " scales " + target.getKind() + " "
                        + target.getName() + ", which is not a Deployment of the kit");
            }
        }
        for (PodDisruptionBudget pdb : kit.all(PodDisruptionBudget.class)) {
            long selected = deployments.stream()
                    .filter(d -> selects(pdb.getSpec().getSelector(), podLabels(d)))
                    .count();
            if (selected != 1) {
                problems.add("PodDisruptionBudget " + name(pdb) + " selects " + selected + " Deployments, not one");
            }
        }
        for (Deployment d : deployments) {
            boolean scaled = kit.all(HorizontalPodAutoscaler.class).stream().anyMatch(h -> name(d).equals(
                            h.getSpec().getScaleTargetRef().getName()));
            if (!scaled) {
                problems.add("Deployment " + name(d) + " has no HorizontalPodAutoscaler");
            } else if (d.getSpec().getReplicas() != null) {
                problems.add("Deployment " + name(d) + " sets replicas, which every apply would reset under its "
                        + "HorizontalPodAutoscaler");
            }
            if (kit.all(PodDisruptionBudget.class).stream()
                    .noneMatch(p -> selects(p.getSpec().getSelector(), podLabels(d)))) {
                problems.add("Deployment " + name(d) + " has no PodDisruptionBudget");
            }
        }
        return problems;
    }

    /** A consumer group uses at most one instance per partition: more would sit idle. */
    List<String> consumersWithinPartitions(Map<String, KafkaUse> services) {
        List<String> problems = new ArrayList<>();
        services.forEach((service, use) -> {
            if (use.reads().isEmpty()) {
                return;
            }
            Optional<HorizontalPodAutoscaler> hpa = kit.find(HorizontalPodAutoscaler.class, service);
            if (hpa.isEmpty()) {
                problems.add("no HorizontalPodAutoscaler named " + service);
                return;
            }
            for (String topic : use.reads()) {
                Integer partitions = kit.all(KafkaTopic.class).stream()
                        .filter(t -> topic.equals(topicName(t)))
                        .map(t -> t.getSpec().getPartitions())
                        .findFirst()
                        .orElse(null);
                int max = hpa.get().getSpec().getMaxReplicas();
                if (partitions == null) {
                    problems.add(service + " consumes " + topic + ", which is not a KafkaTopic of the kit");
                } else if (max > partitions) {
                    problems.add("HorizontalPodAutoscaler " + service + " may run " + max + " instances, but " + topic
                            + " has " + partitions + " partitions: the rest would sit idle");
                }
            }
        });
        return problems;
    }

    // ---- Kafka ----

    /** Every Strimzi resource names a Kafka of the kit, which runs KRaft with node pools. */
    List<String> strimziClusters() {
        Set<String> clusters = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (Kafka kafka : kit.all(Kafka.class)) {
            clusters.add(name(kafka));
            Map<String, String> annotations = map(kafka.getMetadata().getAnnotations());
            for (String annotation : List.of("strimzi.io/kraft", "strimzi.io/node-pools")) {
                if (!"enabled".equals(annotations.get(annotation))) {
                    problems.add("Kafka " + name(kafka) + " lacks the annotation " + annotation + ": enabled");
                }
            }
        }
        List<io.fabric8.kubernetes.api.model.HasMetadata> strimzi = new ArrayList<>();
        strimzi.addAll(kit.all(KafkaTopic.class));
        strimzi.addAll(kit.all(KafkaUser.class));
        strimzi.addAll(kit.all(KafkaNodePool.class));
        for (var resource : strimzi) {
            String cluster = map(resource.getMetadata().getLabels()).get("strimzi.io/cluster");
            if (!clusters.contains(cluster)) {
                problems.add(resource.getKind() + " " + name(resource) + " is labelled strimzi.io/cluster=" + cluster
                        + ", which is not a Kafka of the kit " + clusters);
            }
        }
        return problems;
    }

    /**
     * The cluster keeps every acknowledged record through the loss of one broker: three brokers, three replicas of
     * everything, two in sync for a write; an odd quorum of controllers; topics only from KafkaTopics; operators for
     * topics and users; one TLS listener with SCRAM-SHA-512 and ACLs.
     */
    List<String> kafkaDurability() {
        List<String> problems = new ArrayList<>();
        for (Kafka kafka : kit.all(Kafka.class)) {
            String k = "Kafka " + name(kafka);
            List<KafkaNodePool> pools = kit.all(KafkaNodePool.class).stream()
                    .filter(p ->
                            name(kafka).equals(map(p.getMetadata().getLabels()).get("strimzi.io/cluster")))
                    .toList();
            int brokers = replicasWithRole(pools, ProcessRoles.BROKER);
            int controllers = replicasWithRole(pools, ProcessRoles.CONTROLLER);
            if (brokers != 3) {
                problems.add(k + " has " + brokers + " brokers, not 3");
            }
            if (controllers < 3 || controllers % 2 == 0) {
                problems.add(k + " has " + controllers + " controllers: a quorum needs an odd number, at least 3");
            }
            Map<String, Object> config = map(kafka.getSpec().getKafka().getConfig());
            Map<String, String> expected = Map.of(
                    "default.replication.factor", "3",
                    "min.insync.replicas", "2",
                    "offsets.topic.replication.factor", "3",
                    "transaction.state.log.replication.factor", "3",
                    "transaction.state.log.min.isr", "2",
                    "auto.create.topics.enable", "false");
            expected.forEach((key, value) -> {
                if (!value.equals(String.valueOf(config.get(key)))) {
                    problems.add(k + " config " + key + " is " + config.get(key) + ", not " + value);
                }
            });
            var eo = kafka.getSpec().getEntityOperator();
            if (eo == null || eo.getTopicOperator() == null || eo.getUserOperator() == null) {
                problems.add(k + " runs no Topic Operator and User Operator: the KafkaTopics and KafkaUsers would "
                        + "do nothing");
            }
            if (kafka.getSpec().getKafka().getAuthorization() == null
                    || !"simple"
                            .equals(kafka.getSpec()
                                    .getKafka()
                                    .getAuthorization()
                                    .getType())) {
                problems.add(k + " has no simple authorization: the KafkaUsers' ACLs would not apply");
            }
            if (scramListener(kafka).isEmpty()) {
                problems.add(k + " has no TLS listener with scram-sha-512 authentication");
            }
            for (KafkaTopic topic : kit.all(KafkaTopic.class)) {
                int replicas = topic.getSpec().getReplicas() == null
                        ? 3
                        : topic.getSpec().getReplicas();
                Map<String, Object> topicConfig = map(topic.getSpec().getConfig());
                Object minIsr = topicConfig.getOrDefault("min.insync.replicas", config.get("min.insync.replicas"));
                if (replicas > brokers || replicas < 3) {
                    problems.add("KafkaTopic " + name(topic) + " has " + replicas + " replicas with " + brokers
                            + " brokers");
                }
                if (minIsr == null || Integer.parseInt(String.valueOf(minIsr)) >= replicas) {
                    problems.add("KafkaTopic " + name(topic) + " needs min.insync.replicas " + minIsr + " of "
                            + replicas + ": losing one broker would stop its writes");
                }
                if (!topicConfig.containsKey("retention.ms")) {
                    problems.add("KafkaTopic " + name(topic) + " sets no retention.ms");
                }
            }
        }
        return problems;
    }

    /**
     * Each service connects as the design says: the bootstrap of the Kafka's SCRAM listener over SASL_SSL, its own
     * user's JAAS config, and the cluster CA as a PEM file mounted from Strimzi's Secret; it creates no topic.
     */
    List<String> kafkaClients(Map<String, String> topicCreationSwitch) {
        List<String> problems = new ArrayList<>();
        Kafka kafka =
                kit.all(Kafka.class).stream().findFirst().orElseThrow(() -> new AssertionError("no Kafka in the kit"));
        String bootstrap = scramListener(kafka)
                .map(l -> name(kafka) + "-kafka-bootstrap:" + l.getPort())
                .orElse("<no SCRAM listener>");
        topicCreationSwitch.forEach((service, variable) -> {
            Optional<Deployment> found = kit.find(Deployment.class, service);
            if (found.isEmpty()) {
                problems.add("no Deployment named " + service);
                return;
            }
            Deployment d = found.get();
            Container c = container(d);
            Map<String, String> expected = new java.util.LinkedHashMap<>();
            expected.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            expected.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
            expected.put("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
            expected.put("KAFKA_SSL_TRUSTSTORE_TYPE", "PEM");
            expected.put("KAFKA_SSL_TRUSTSTORE_LOCATION", caFile(d, c, name(kafka) + "-cluster-ca-cert"));
            expected.put(variable, "false");
            expected.forEach((name, value) -> {
                String actual = value(c, name);
                if (!Objects.equals(value, actual)) {
                    problems.add(where(d, c) + " env " + name + " is " + actual + ", not " + value);
                }
            });
        });
        return problems;
    }

    /** Where the Kafka listener admits only some pods, the services' pods are among them. */
    List<String> kafkaNetworkPolicy(Set<String> services) {
        List<String> problems = new ArrayList<>();
        for (Kafka kafka : kit.all(Kafka.class)) {
            for (GenericKafkaListener listener : list(kafka.getSpec().getKafka().getListeners())) {
                List<NetworkPolicyPeer> peers = list(listener.getNetworkPolicyPeers());
                if (peers.isEmpty()) {
                    continue;
                }
                for (String service : services) {
                    kit.find(Deployment.class, service).ifPresent(d -> {
                        boolean admitted = peers.stream()
                                .anyMatch(p -> p.getPodSelector() != null
                                        && p.getNamespaceSelector() == null
                                        && selects(p.getPodSelector(), podLabels(d)));
                        if (!admitted) {
                            problems.add("Kafka " + name(kafka) + " listener " + listener.getName()
                                    + " does not admit the pods of " + service);
                        }
                    });
                }
            }
        }
        return problems;
    }

    // ---- pods ----

    /**
     * Every pod runs as non-root on a read-only root file system with no privilege to gain, with resource requests and
     * limits, a pinned image, its own ServiceAccount without an API token, and (services) a writable /tmp.
     */
    List<String> podHardening(Set<String> services) {
        List<String> problems = new ArrayList<>();
        for (Deployment d : kit.all(Deployment.class)) {
            PodSpec pod = pod(d);
            if (pod.getSecurityContext() == null
                    || !Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot())) {
                problems.add("Deployment " + name(d) + " does not require runAsNonRoot");
            }
            Optional<ServiceAccount> account =
                    kit.find(ServiceAccount.class, String.valueOf(pod.getServiceAccountName()));
            if (account.isEmpty()) {
                problems.add("Deployment " + name(d) + " runs as ServiceAccount " + pod.getServiceAccountName()
                        + ", which is not in the kit");
            } else if (!Boolean.FALSE.equals(account.get().getAutomountServiceAccountToken())
                    && !Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
                problems.add("Deployment " + name(d) + " gets a Kubernetes API token it does not need");
            }
            for (Container c : containers(pod)) {
                SecurityContext sc = c.getSecurityContext();
                if (sc == null || !Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
                    problems.add(where(d, c) + " has a writable root file system");
                }
                if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                    problems.add(where(d, c) + " allows privilege escalation");
                }
                if (sc == null
                        || sc.getCapabilities() == null
                        || !list(sc.getCapabilities().getDrop()).contains("ALL")) {
                    problems.add(where(d, c) + " keeps Linux capabilities");
                }
                ResourceRequirements r = c.getResources();
                for (String resource : List.of("cpu", "memory")) {
                    Map<String, Quantity> requests = r == null ? Map.of() : map(r.getRequests());
                    Map<String, Quantity> limits = r == null ? Map.of() : map(r.getLimits());
                    if (!requests.containsKey(resource) || !limits.containsKey(resource)) {
                        problems.add(where(d, c) + " lacks a " + resource + " request or limit");
                    }
                }
                String image = String.valueOf(c.getImage());
                String tag = image.contains(":") ? image.substring(image.lastIndexOf(':') + 1) : "";
                if (tag.isEmpty() || tag.equals("latest") || tag.contains("/")) {
                    problems.add(where(d, c) + " runs image " + image + " without a pinned tag");
                }
            }
            if (services.contains(name(d))) {
                Container c = container(d);
                boolean tmp = list(c.getVolumeMounts()).stream()
                        .filter(m -> "/tmp".equals(m.getMountPath()))
                        .anyMatch(m -> volume(pod, m.getName())
                                .map(v -> v.getEmptyDir() != null)
                                .orElse(false));
                if (!tmp) {
                    problems.add(where(d, c) + " has no emptyDir at /tmp, which the JVM needs on a read-only root");
                }
            }
        }
        return problems;
    }

    /**
     * The journeys come from git: a one-time git-sync init container (so the service starts with them) and a git-sync
     * sidecar share an emptyDir, which the service reads through the link git-sync switches, at the path its
     * variable names.
     */
    List<String> journeysFromGit(Map<String, String> journeysVariable) {
        List<String> problems = new ArrayList<>();
        journeysVariable.forEach((service, variable) -> {
            Optional<Deployment> found = kit.find(Deployment.class, service);
            if (found.isEmpty()) {
                problems.add("no Deployment named " + service);
                return;
            }
            Deployment d = found.get();
            PodSpec pod = pod(d);
            Optional<Container> clone = list(pod.getInitContainers()).stream()
                    .filter(KitChecks::isGitSync)
                    .findFirst();
            Optional<Container> sidecar = list(pod.getContainers()).stream()
                    .filter(KitChecks::isGitSync)
                    .findFirst();
            if (clone.isEmpty() || !list(clone.get().getArgs()).contains("--one-time")) {
                problems.add("Deployment " + service + " has no one-time git-sync init container: it would start "
                        + "before its journeys are there");
            }
            if (sidecar.isEmpty() || list(sidecar.get().getArgs()).contains("--one-time")) {
                problems.add("Deployment " + service + " has no git-sync sidecar: journeys would never be updated");
                return;
            }
            String root = flag(sidecar.get(), "--root");
            String link = flag(sidecar.get(), "--link");
            for (String required : List.of("--repo", "--ref", "--root", "--link", "--period")) {
                if (flag(sidecar.get(), required) == null) {
                    problems.add("Deployment " + service + " git-sync sidecar lacks " + required);
                }
            }
            Optional<VolumeMount> shared = list(sidecar.get().getVolumeMounts()).stream()
                    .filter(m -> m.getMountPath().equals(root))
                    .findFirst();
            if (shared.isEmpty()
                    || volume(pod, shared.get().getName())
                            .map(v -> v.getEmptyDir() == null)
                            .orElse(true)) {
                problems.add("Deployment " + service + " git-sync does not write " + root + " to an emptyDir");
                return;
            }
            String volume = shared.get().getName();
            clone.ifPresent(c -> {
                boolean same = list(c.getVolumeMounts()).stream()
                        .anyMatch(m ->
                                m.getName().equals(volume) && m.getMountPath().equals(root));
                if (!same || !root.equals(flag(c, "--root")) || !Objects.equals(link, flag(c, "--link"))) {
                    problems.add("Deployment " + service + " clones the journeys elsewhere than the sidecar syncs");
                }
            });
            Container main = container(d);
            Optional<VolumeMount> read = list(main.getVolumeMounts()).stream()
                    .filter(m -> m.getName().equals(volume))
                    .findFirst();
            String dir = value(main, variable);
            if (read.isEmpty()) {
                problems.add(where(d, main) + " does not mount the journeys volume " + volume);
            } else if (dir == null || !dir.startsWith(read.get().getMountPath() + "/" + link + "/")) {
                problems.add(where(d, main) + " env " + variable + " is " + dir + ", not under "
                        + read.get().getMountPath() + "/" + link + "/");
            } else if (!Boolean.TRUE.equals(read.get().getReadOnly())) {
                problems.add(where(d, main) + " may write the journeys checkout");
            }
        });
        return problems;
    }

    // ---- helpers ----

    private static boolean isGitSync(Container c) {
        return String.valueOf(c.getImage()).contains("git-sync");
    }

    private static String flag(Container c, String flag) {
        return list(c.getArgs()).stream()
                .filter(a -> a.startsWith(flag + "="))
                .map(a -> a.substring(flag.length() + 1))
                .findFirst()
                .orElse(null);
    }

    private Set<String> topicNames() {
        Set<String> topics = new LinkedHashSet<>();
        kit.all(KafkaTopic.class).forEach(t -> topics.add(topicName(t)));
        return topics;
    }

    static String topicName(KafkaTopic topic) {
        return topic.getSpec().getTopicName() != null ? topic.getSpec().getTopicName() : name(topic);
    }

    private static List<AclRule> acls(KafkaUser user) {
        return user.getSpec().getAuthorization() instanceof KafkaUserAuthorizationSimple simple
                ? list(simple.getAcls())
                : List.of();
    }

    @SuppressWarnings("deprecation")
    private static Set<AclOperation> operations(AclRule rule) {
        Set<AclOperation> operations = new HashSet<>(list(rule.getOperations()));
        if (rule.getOperation() != null) {
            operations.add(rule.getOperation());
        }
        return operations;
    }

    private static boolean matches(AclRule rule, String type, String name) {
        String pattern;
        AclResourcePatternType patternType;
        if (type.equals("topic") && rule.getResource() instanceof AclRuleTopicResource t) {
            pattern = t.getName();
            patternType = t.getPatternType();
        } else if (type.equals("group") && rule.getResource() instanceof AclRuleGroupResource g) {
            pattern = g.getName();
            patternType = g.getPatternType();
        } else {
            return false;
        }
        return "*".equals(pattern)
                || (patternType == AclResourcePatternType.PREFIX ? name.startsWith(pattern) : name.equals(pattern));
    }

    private static Optional<GenericKafkaListener> scramListener(Kafka kafka) {
        return list(kafka.getSpec().getKafka().getListeners()).stream()
                .filter(GenericKafkaListener::isTls)
                .filter(l -> l.getAuth() != null
                        && "scram-sha-512".equals(l.getAuth().getType()))
                .findFirst();
    }

    private static int replicasWithRole(List<KafkaNodePool> pools, ProcessRoles role) {
        return pools.stream()
                .filter(p -> list(p.getSpec().getRoles()).contains(role))
                .mapToInt(p -> p.getSpec().getReplicas())
                .sum();
    }

    /** The file a container reads key ca.crt of the Secret from, through a secret volume's mount. */
    private static String caFile(Deployment d, Container c, String secret) {
        for (VolumeMount mount : list(c.getVolumeMounts())) {
            Optional<Volume> v = volume(pod(d), mount.getName());
            if (v.isPresent()
                    && v.get().getSecret() != null
                    && secret.equals(v.get().getSecret().getSecretName())) {
                String path = list(v.get().getSecret().getItems()).stream()
                        .filter(i -> i.getKey().equals("ca.crt"))
                        .map(i -> i.getPath())
                        .findFirst()
                        .orElse(v.get().getSecret().getItems() == null ? "ca.crt" : null);
                return path == null ? null : mount.getMountPath() + "/" + path;
            }
        }
        return "<Secret " + secret + " not mounted>";
    }

    /** A container's variable as the pod will see it: a literal, or a ConfigMap's value; a Secret's is not known. */
    String value(Container c, String name) {
        for (EnvVar e : env(c)) {
            if (!e.getName().equals(name)) {
                continue;
            }
            if (e.getValueFrom() == null) {
                return e.getValue();
            }
            var ref = e.getValueFrom().getConfigMapKeyRef();
            if (ref != null) {
                return kit.find(ConfigMap.class, ref.getName())
                        .map(cm -> map(cm.getData()).get(ref.getKey()))
                        .orElse(null);
            }
            return "<from a Secret>";
        }
        return null;
    }

    private static String secretOf(Container c, String name) {
        return env(c).stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValueFrom)
                .filter(Objects::nonNull)
                .map(EnvVarSource::getSecretKeyRef)
                .filter(Objects::nonNull)
                .map(ref -> ref.getName())
                .findFirst()
                .orElse(null);
    }

    private static Optional<ContainerPort> containerPort(Deployment d, IntOrString port) {
        return containers(pod(d)).stream()
                .map(c -> containerPort(c, port))
                .flatMap(Optional::stream)
                .findFirst();
    }

    private static Optional<ContainerPort> containerPort(Container c, IntOrString port) {
        if (port == null) {
            return Optional.empty();
        }
        return list(c.getPorts()).stream()
                .filter(p -> port.getStrVal() != null
                        ? port.getStrVal().equals(p.getName())
                        : Objects.equals(port.getIntVal(), p.getContainerPort()))
                .findFirst();
    }

    private static Optional<Volume> volume(PodSpec pod, String name) {
        return list(pod.getVolumes()).stream()
                .filter(v -> v.getName().equals(name))
                .findFirst();
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        boolean any = false;
        if (selector.getMatchLabels() != null && !selector.getMatchLabels().isEmpty()) {
            if (!selects(selector.getMatchLabels(), labels)) {
                return false;
            }
            any = true;
        }
        for (LabelSelectorRequirement r : list(selector.getMatchExpressions())) {
            String value = labels.get(r.getKey());
            boolean ok =
                    switch (r.getOperator()) {
                        case "In" -> value != null && list(r.getValues()).contains(value);
                        case "NotIn" -> value == null || !list(r.getValues()).contains(value);
                        case "Exists" -> labels.containsKey(r.getKey());
                        case "DoesNotExist" -> !labels.containsKey(r.getKey());
                        default -> false;
                    };
            if (!ok) {
                return false;
            }
            any = true;
        }
        return any;
    }

    private static Map<String, String> podLabels(Deployment d) {
        return map(d.getSpec().getTemplate().getMetadata().getLabels());
    }

    static PodSpec pod(Deployment d) {
        return d.getSpec().getTemplate().getSpec();
    }

    /** The container named like its Deployment: the service itself. */
    static Container container(Deployment d) {
        return list(pod(d).getContainers()).stream()
                .filter(c -> c.getName().equals(name(d)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("Deployment " + name(d) + " has no container of its name"));
    }

    private static List<Container> containers(PodSpec pod) {
        List<Container> all = new ArrayList<>(list(pod.getInitContainers()));
        all.addAll(list(pod.getContainers()));
        return all;
    }

    private static List<EnvVar> env(Container c) {
        return list(c.getEnv());
    }

    private static List<String> expansions(String text) {
        List<String> names = new ArrayList<>();
        Matcher m = EXPANSION.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String where(Deployment d, Container c) {
        return "Deployment " + name(d) + " container " + c.getName();
    }

    private static String text(IntOrString value) {
        return value == null
                ? "nothing"
                : value.getStrVal() != null ? value.getStrVal() : String.valueOf(value.getIntVal());
    }

    static String name(io.fabric8.kubernetes.api.model.HasMetadata resource) {
        return resource.getMetadata().getName();
    }

    private static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <K, V> Map<K, V> map(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}
