package dev.onramp.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;

/** Everything event-ingest can be told; every setting can also come from an environment variable. */
@ConfigMapping(prefix = "onramp.ingest")
public interface IngestConfig {

    /**
     * The sources allowed to send events, by name (the name becomes {@code sourceId} on every event). For example
     * {@code onramp.ingest.sources.web.write-key} or {@code ONRAMP_INGEST_SOURCES_WEB_WRITE_KEY}.
     */
    Map<String, Source> sources();

    /** The topic accepted events are written to. */
    @WithDefault("onramp.events")
    String topic();

    /** Partitions of the events topic when this service creates it. */
    @WithDefault("6")
    int topicPartitions();

    /** Replication factor of the events topic when this service creates it. */
    @WithDefault("1")
    short topicReplicationFactor();

    /** Whether this service creates the events topic at start when it is missing; off where ACLs forbid it. */
    @WithDefault("true")
    boolean topicCreate();

    /** Largest single event, in bytes of JSON (Segment's limit). */
    @WithDefault("32768")
    int maxEventBytes();

    /** Largest batch request, in bytes of JSON (Segment's limit). */
    @WithDefault("512000")
    int maxBatchBytes();

    interface Source {
        /** The write key SDKs of this source send. A secret: set it from the environment. */
        String writeKey();

        /** The write key being rotated out: calls with it are still accepted, as this source's, until it is removed. */
        java.util.Optional<String> writeKeyPrevious();

        /** Events per second this source may send; beyond, calls get 429 with {@code Retry-After}. */
        @WithDefault("20000")
        int rateLimit();

        /** Events the source may send at once after a quiet time; twice the rate when not set. */
        java.util.Optional<Integer> burst();

        /**
         * The web pages whose browsers may send this source's events: origins such as
         * {@code https://app.example.com} (scheme, host and port, no path), or {@code *} for any page. Unset: calls
         * from browsers are refused (CORS), and server SDKs, which send no {@code Origin}, are unaffected.
         */
        java.util.Optional<java.util.List<String>> allowedOrigins();

        /**
         * How far the source is trusted: {@code server} (a backend holds its key) may set any trait; {@code browser}
         * (its key is in web pages, anyone can read it) may set the traits that route messages
         * ({@link #protectedTraits()}) only with an identity signature. Unset: {@code browser} when the source
         * allows origins, else {@code server}.
         */
        java.util.Optional<Trust> trust();

        /**
         * The secret of the source's identity signatures: the product's backend signs a user id with it (hex
         * HMAC-SHA256) and the page sends the signature with its identify call, in {@code context.onramp.signature}.
         */
        java.util.Optional<String> identitySecret();

        /** The identity secret being rotated out: signatures made with it are accepted until it is removed. */
        java.util.Optional<String> identitySecretPrevious();
    }

    enum Trust {
        SERVER,
        BROWSER
    }

    /**
     * The traits a {@code browser} source may only set with an identity signature: those that decide where a user's
     * messages go.
     */
    @WithDefault("email,phone")
    java.util.List<String> protectedTraits();

    /**
     * Where browsers reach this service, as the settings endpoint tells the Segment SDK, such as
     * {@code https://events.example.com}; unset, the address the settings request itself came to.
     */
    java.util.Optional<java.net.URI> publicUrl();

    /** How long a call waits for Kafka to acknowledge before it is answered 503: bounded, never a hang. */
    @WithDefault("5s")
    java.time.Duration produceTimeout();
}
