package dev.onramp.ingest;

import dev.onramp.pipeline.Secrets;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.List;
import java.util.Optional;

/** Refuses to start outside dev and test without the secrets this service needs ({@link Secrets}). */
@ApplicationScoped
class StartupSecrets {

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start, IngestConfig config) {
        if (Secrets.enforced()) {
            of(config).check("event-ingest");
        }
    }

    /**
     * A server source's write key is a secret; a browser source's is in every visitor's page, so it need only be set.
     * Identity secrets are secrets wherever they are set.
     */
    static Secrets of(IngestConfig config) {
        Secrets secrets = new Secrets();
        if (config.sources().isEmpty()) {
            secrets.present(
                    "onramp.ingest.sources.<name>.write-key",
                    Optional.empty(),
                    "without a source every call is refused");
        }
        config.sources().forEach((name, source) -> {
            String prefix = "onramp.ingest.sources." + name + ".";
            boolean browser = source.trust()
                            .orElse(
                                    source.allowedOrigins().orElse(List.of()).isEmpty()
                                            ? IngestConfig.Trust.SERVER
                                            : IngestConfig.Trust.BROWSER)
                    == IngestConfig.Trust.BROWSER;
            if (browser) {
                secrets.present(prefix + "write-key", Optional.of(source.writeKey()), "a source needs a write key");
            } else {
                secrets.require(prefix + "write-key", Optional.of(source.writeKey()))
                        .optional(prefix + "write-key-previous", source.writeKeyPrevious());
            }
            secrets.optional(prefix + "identity-secret", source.identitySecret())
                    .optional(prefix + "identity-secret-previous", source.identitySecretPrevious());
        });
        return secrets;
    }
}
