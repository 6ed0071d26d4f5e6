package dev.onramp.dispatch;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Everything message-dispatch can be told; every setting can also come from an environment variable. */
@ConfigMapping(prefix = "onramp.dispatch")
public interface DispatchConfig {

    /** The message templates: files named {@code <template>.<channel>[.<locale>].<txt|html>}. */
    Path templatesDir();

    /** How often the templates directory is checked for changes (at least 1s). */
    @WithDefault("2s")
    Duration reloadInterval();

    /** The locale of templates without one in their name, used when the user's has no template. */
    @WithDefault("en")
    String defaultLocale();

    /** Where this service is reachable by end users: the base of unsubscribe links. */
    @WithDefault("http://localhost:8083")
    String publicUrl();

    /** The product's own web address, offered to templates as {@code links.app}. */
    @WithDefault("http://localhost:3000")
    String appUrl();

    Topics topics();

    Email email();

    Inbox inbox();

    Delivery delivery();

    interface Topics {
        @WithDefault("onramp.message-requests")
        String messageRequests();

        @WithDefault("onramp.delivery-events")
        String deliveryEvents();

        @WithDefault("6")
        int partitions();

        @WithDefault("1")
        short replicationFactor();

        @WithDefault("message-dispatch")
        String group();
    }

    interface Email {
        /** The sender of every email. */
        @WithDefault("Onramp <onboarding@onramp.localhost>")
        String from();
    }

    interface Inbox {
        /**
         * The secret of user hashes: a product's backend gives each user {@code HMAC-SHA256(secret, userId)}, hex, and
         * the inbox only opens with it. Set it from the environment.
         */
        Optional<String> secret();
    }

    interface Delivery {
        /** Deliveries handled per transaction. */
        @WithDefault("100")
        int batchSize();

        /** How often pending deliveries are looked for when nothing woke the worker. */
        @WithDefault("200ms")
        Duration pollInterval();

        /** Attempts before a transient failure counts as permanent. */
        @WithDefault("8")
        int maxAttempts();

        /** The first retry's delay; each next one doubles, with jitter. */
        @WithDefault("2s")
        Duration firstRetry();
    }
}
