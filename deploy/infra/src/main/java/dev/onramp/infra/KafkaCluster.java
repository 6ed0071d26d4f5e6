package dev.onramp.infra;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real KRaft cluster of several nodes on loopback, each a broker and a controller in its own process
 * ({@link KafkaProcess}), with a static quorum of all of them: one node can be killed and the others go on, as in
 * production. Topics it creates by default are replicated to three nodes with {@code min.insync.replicas=2}.
 */
public final class KafkaCluster implements KafkaService {

    private final List<KafkaProcess> nodes;

    private KafkaCluster(List<KafkaProcess> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts {@code size} nodes with their data under {@code dataDir}, logs as {@code <prefix>-<id>.log}. */
    public static KafkaCluster start(Path dataDir, int size, Path logs, String prefix) {
        List<int[]> ports = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(new int[] {FreePorts.find(), FreePorts.find()});
        }
        String voters = java.util.stream.IntStream.range(0, size)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + ports.get(i)[1])
                .collect(Collectors.joining(","));
        List<KafkaProcess> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            nodes.add(new KafkaProcess(
                    dataDir.resolve("node-" + (i + 1)),
                    ports.get(i)[0],
                    ports.get(i)[1],
                    logs.resolve(prefix + "-" + (i + 1) + ".log"),
                    i + 1,
                    voters,
                    size,
                    null));
        }
        KafkaCluster cluster = new KafkaCluster(nodes);
        String clusterId = KafkaProcess.clusterId();
        try {
            // All at once: no node answers before a majority of the controllers runs.
            nodes.forEach(node -> node.launch(clusterId));
            nodes.forEach(node -> node.awaitReady(Duration.ofSeconds(120)));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** The node with this id (1-based). */
    public KafkaProcess node(int id) {
        return nodes.get(id - 1);
    }

    public List<KafkaProcess> nodes() {
        return nodes;
    }

    @Override
    public String bootstrapServers() {
        return nodes.stream().map(KafkaProcess::bootstrapServers).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        nodes.forEach(KafkaProcess::kill);
    }
}
