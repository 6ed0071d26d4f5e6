package dev.onramp.infra;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;

/** A real single-node KRaft broker inside this JVM (Kafka's own test kit), on a free port, in a temporary folder. */
public final class EmbeddedKafka implements KafkaService {

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        // A broker in a test JVM must not end that JVM: Kafka calls Exit.exit or Exit.halt on errors it deems fatal,
        // which can happen while it is stopped at the JVM's exit, and would turn a green test run into a failed fork.
        Exit.setExitProcedure((code, message) ->
                System.err.println("onramp-infra: the embedded Kafka broker asked to exit(" + code + "): " + message));
        Exit.setHaltProcedure((code, message) ->
                System.err.println("onramp-infra: the embedded Kafka broker asked to halt(" + code + "): " + message));
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded Kafka broker", e);
        }
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the embedded Kafka broker", e);
        }
    }
}
