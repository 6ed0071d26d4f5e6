package dev.onramp.pipeline;

import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while a Kafka broker answers, and says so within two seconds either way. (Quarkus' own Kafka check
 * waits for the admin client's default timeout, a minute, while the broker is away: a probe that hangs.)
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {

    private static final int TIMEOUT_MS = 2_000;

    private final Map<String, Object> config;
    private volatile Admin admin;

    KafkaReadiness(@Identifier("default-kafka-broker") Map<String, Object> config) {
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("kafka");
        try {
            StringBuilder nodes = new StringBuilder();
            for (Node node : admin().describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS))
                    .nodes()
                    .get(TIMEOUT_MS + 500, TimeUnit.MILLISECONDS)) {
                nodes.append(nodes.isEmpty() ? "" : ",")
                        .append(node.host())
                        .append(':')
                        .append(node.port());
            }
            return response.up().withData("nodes", nodes.toString()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return response.down().withData("reason", "interrupted").build();
        } catch (Exception e) {
            return response.down()
                    .withData("reason", "no broker answered within " + TIMEOUT_MS + " ms: " + e)
                    .build();
        }
    }

    private Admin admin() {
        if (admin == null) {
            synchronized (this) {
                if (admin == null) {
                    Map<String, Object> conf = new HashMap<>();
                    config.forEach((key, value) -> {
                        if (AdminClientConfig.configNames().contains(key)) {
                            conf.put(key, value);
                        }
                    });
                    conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
                    conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
                    conf.put(AdminClientConfig.CLIENT_ID_CONFIG, "readiness");
                    admin = Admin.create(conf);
                }
            }
        }
        return admin;
    }

    @PreDestroy
    void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
