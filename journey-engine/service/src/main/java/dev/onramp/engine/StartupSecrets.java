package dev.onramp.engine;

import dev.onramp.pipeline.Secrets;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/** Refuses to start outside dev and test without the secrets this service needs ({@link Secrets}). */
@ApplicationScoped
class StartupSecrets {

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start, EngineConfig config) {
        if (Secrets.enforced()) {
            of(config).check("journey-engine");
        }
    }

    static Secrets of(EngineConfig config) {
        return new Secrets()
                .require("onramp.engine.admin-token", config.adminToken())
                .optional("onramp.engine.admin-token-previous", config.adminTokenPrevious());
    }
}
