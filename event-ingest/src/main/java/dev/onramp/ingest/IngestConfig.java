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

    /** Largest single event, in bytes of JSON (Segment's limit). */
    @WithDefault("32768")
    int maxEventBytes();

    /** Largest batch request, in bytes of JSON (Segment's limit). */
    @WithDefault("512000")
    int maxBatchBytes();

    interface Source {
        /** The write key SDKs of this source send. A secret: set it from the environment. */
        String writeKey();

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
    }

    /**
     * Where browsers reach this service, as the settings endpoint tells the Segment SDK, such as
     * {@code https://events.example.com}; unset, the address the settings request itself came to.
     */
    java.util.Optional<java.net.URI> publicUrl();

    /** How long a call waits for Kafka to acknowledge before it is answered 503: bounded, never a hang. */
    @WithDefault("5s")
    java.time.Duration produceTimeout();
}
