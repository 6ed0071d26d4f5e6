package dev.onramp.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the topics a service needs when they are missing, at start and before its messaging channels run; a topic
 * that exists is left as it is. Every service's one way to do it (each may turn it off where ACLs forbid it).
 */
public final class Topics {

    private static final Logger LOG = Logger.getLogger(Topics.class);
    private static final int ANSWER_SECONDS = 30;

    private Topics() {}

    /**
     * Each named topic and its dead-letter topic ({@code <name>.dlq}: one partition, kept for {@code dlqRetention}).
     */
    public static List<NewTopic> withDeadLetters(
            List<String> names, int partitions, short replicationFactor, Duration dlqRetention) {
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, partitions, replicationFactor));
            topics.add(new NewTopic(name + ".dlq", 1, replicationFactor)
                    .configs(Map.of("retention.ms", Long.toString(dlqRetention.toMillis()))));
        }
        return topics;
    }

    /**
     * Creates those of {@code topics} that do not exist.
     *
     * @param kafka the Kafka client settings (bootstrap servers, security)
     * @throws IllegalStateException when Kafka refuses one or does not answer within 30 seconds
     */
    public static void ensure(Map<String, Object> kafka, List<NewTopic> topics) {
        try (Admin admin = Admin.create(new HashMap<>(kafka))) {
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get(ANSWER_SECONDS, TimeUnit.SECONDS);
                    LOG.infof("created topic %s", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka did not answer within " + ANSWER_SECONDS + " s while creating topics", e);
        }
    }
}
