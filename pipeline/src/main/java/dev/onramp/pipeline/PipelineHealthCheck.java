package dev.onramp.pipeline;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while any part of the pipeline waits for PostgreSQL or Kafka to come back; says which and why. */
@Readiness
@ApplicationScoped
public class PipelineHealthCheck implements HealthCheck {

    private final Stalls stalls;

    PipelineHealthCheck(Stalls stalls) {
        this.stalls = stalls;
    }

    @Override
    public HealthCheckResponse call() {
        var stalled = stalls.waiting();
        HealthCheckResponseBuilder response =
                HealthCheckResponse.named("pipeline").status(stalled.isEmpty());
        stalled.forEach(response::withData);
        return response.build();
    }
}
