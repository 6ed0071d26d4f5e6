package dev.onramp.engine.journey;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once a valid set of journeys is loaded. A later broken edit keeps the service up (the last good version
 * runs) but the check says so and lists the problems.
 */
@Readiness
@ApplicationScoped
public class JourneysHealthCheck implements HealthCheck {

    private final JourneyRegistry registry;

    JourneysHealthCheck(JourneyRegistry registry) {
        this.registry = registry;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("journeys");
        var live = registry.current();
        var status = registry.status();
        response.status(live.isPresent());
        live.ifPresent(l -> {
            response.withData("journeys", l.runtime().journeys().size());
            response.withData("loadedAt", l.loadedAt().toString());
        });
        if (status != null && !status.ok()) {
            response.withData(
                    "lastLoad", "refused at " + status.at() + (live.isPresent() ? "; the last good version runs" : ""));
            int i = 0;
            for (var problem : status.problems()) {
                if (problem.isError() && i < 20) {
                    response.withData("error" + (++i), problem.toString());
                }
            }
        }
        return response.build();
    }
}
