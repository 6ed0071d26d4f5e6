package dev.onramp.dispatch;

import dev.onramp.pipeline.Secrets;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/** Refuses to start outside dev and test without the secrets this service needs ({@link Secrets}). */
@ApplicationScoped
class StartupSecrets {

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start, DispatchConfig config) {
        if (Secrets.enforced()) {
            of(config).check("message-dispatch");
        }
    }

    static Secrets of(DispatchConfig config) {
        Secrets secrets = new Secrets()
                .require("onramp.dispatch.links-secret", config.linksSecret())
                .optional("onramp.dispatch.links-secret-previous", config.linksSecretPrevious())
                .require("onramp.dispatch.inbox.secret", config.inbox().secret())
                .optional(
                        "onramp.dispatch.inbox.secret-previous", config.inbox().secretPrevious())
                .require("onramp.dispatch.admin-token", config.adminToken())
                .optional("onramp.dispatch.admin-token-previous", config.adminTokenPrevious());
        // Webhooks can go somewhere only with a url or an allowed host: then they must be signed.
        boolean webhooks = config.webhook().url().isPresent()
                || !config.outbound().allowedHosts().orElse(java.util.List.of()).isEmpty();
        if (webhooks) {
            secrets.require("onramp.dispatch.webhook.secret", config.webhook().secret())
                    .optional(
                            "onramp.dispatch.webhook.secret-previous",
                            config.webhook().secretPrevious());
        }
        if (config.sms().accountSid().isPresent()) {
            secrets.present(
                    "onramp.dispatch.sms.auth-token",
                    config.sms().authToken(),
                    "SMS is configured (onramp.dispatch.sms.account-sid)");
        }
        if (config.email().replyDomain().filter(d -> !d.isBlank()).isPresent()) {
            // Replies come back through /v1/email/inbound: only the provider's route may post there.
            secrets.require(
                    "onramp.dispatch.email.inbound-token", config.email().inboundToken());
        }
        return secrets;
    }
}
