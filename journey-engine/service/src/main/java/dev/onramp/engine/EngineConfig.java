package dev.onramp.engine;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything journey-engine can be told; every setting can also come from an environment variable. */
@ConfigMapping(prefix = "onramp.engine")
public interface EngineConfig {

    /** The journeys directory: one YAML file per journey, templates in its {@code templates} folder. */
    Path journeysDir();

    /** Where the message templates are, if not in {@code <journeys-dir>/templates}. */
    Optional<Path> templatesDir();

    /** How often the journeys directory is checked for changes (at least 1s). */
    @WithDefault("2s")
    Duration reloadInterval();

    /** How often the journeys' figures are read for the Prometheus gauges ({@code onramp_journey_*}). */
    @WithDefault("30s")
    Duration figuresInterval();

    /** Time zone for quiet hours of users without a valid {@code timezone} trait, in journeys that name none. */
    @WithDefault("UTC")
    ZoneId defaultTimezone();

    /**
     * Frequency caps per channel across all journeys, as {@code count/period} lists: for example
     * {@code onramp.engine.caps.email=1/1d,3/1w}.
     */
    Map<String, List<String>> caps();

    /**
     * Divides every journey delay: 1 in production; the demo uses 1440 so a day passes in a minute. Quiet hours are
     * not scaled.
     */
    @WithDefault("1")
    double timeScale();

    /** The bearer token the admin APIs (explain, funnel) require. A secret: set it from the environment. */
    Optional<String> adminToken();

    /** The admin token being rotated out: accepted as well until it is removed. */
    Optional<String> adminTokenPrevious();

    /** message-dispatch, for the console's template previews and test sends. */
    Dispatch dispatch();

    interface Dispatch {
        /** Its base URL, e.g. {@code http://message-dispatch:8083}; without it the console cannot preview. */
        Optional<java.net.URI> url();

        /** Its admin token ({@code onramp.dispatch.admin-token}). */
        Optional<String> adminToken();
    }

    Topics topics();

    /** The fan-out of broadcasts ({@code docs/broadcasts.md}). */
    Broadcasts broadcasts();

    Timers timers();

    Profiles profiles();

    Outbox outbox();

    Dedupe dedupe();

    Retention retention();

    /** How long what the engine records is kept (docs/security.md); 0 keeps it forever. */
    interface Retention {
        /**
         * Journey-log entries (the decisions the explain API shows) older than this are deleted. The state a journey
         * needs is elsewhere: a user's enrollments are kept whatever their age.
         */
        @WithDefault("400d")
        Duration decisions();

        /**
         * The recipients of a broadcast that ended (sent or cancelled; for an incident's message, once the incident is
         * resolved) this long ago are deleted, their counts kept on the broadcast; 0 keeps them forever.
         */
        @WithDefault("90d")
        Duration broadcastRecipients();

        /**
         * A conversation in which nothing happened for this long (no message from the user or a teammate, no
         * assignment, no closing) is deleted with its messages, open or closed; 0 keeps them forever.
         */
        @WithDefault("365d")
        Duration conversations();

        /** How often the purge runs when the last one found nothing more to delete. */
        @WithDefault("1h")
        Duration interval();
    }

    /**
     * SDKs send a call again when its answer was lost, with the same {@code messageId}: an event whose user and
     * message id were applied within the window is acknowledged and not applied again.
     */
    interface Dedupe {
        /** How long a message id is remembered; 0 turns the check off. */
        @WithDefault("24h")
        Duration window();

        /** How often ids older than the window are forgotten. */
        @WithDefault("1m")
        Duration sweepInterval();
    }

    interface Topics {
        /** Where user events come from. */
        @WithDefault("onramp.events")
        String events();

        /** Where message requests go. */
        @WithDefault("onramp.message-requests")
        String messageRequests();

        /** Where delivery reports come from. */
        @WithDefault("onramp.delivery-events")
        String deliveryEvents();

        /** Requests to erase a user everywhere: the admin API writes them, every service applies them. */
        @WithDefault("onramp.erasures")
        String erasures();

        /** What users write back (replies, feedback), from message-dispatch: recorded, routed and answered here. */
        @WithDefault("onramp.conversations")
        String conversations();

        /** Partitions of the topics this service creates. */
        @WithDefault("6")
        int partitions();

        /** Replication factor of the topics this service creates. */
        @WithDefault("1")
        short replicationFactor();

        /**
         * The consumer group of all engine instances (the {@code engine-in} channel's {@code group.id} reads it).
         */
        @WithDefault("journey-engine")
        String group();

        /** Whether this service creates its topics and their dead-letter topics at start when they are missing. */
        @WithDefault("true")
        boolean create();

        /**
         * How long records stay on the dead-letter topics this service creates ({@code retention.ms}); set on creation,
         * so change existing topics with kafka-configs.
         */
        @WithDefault("30d")
        Duration deadLetterRetention();
    }

    /**
     * Limits on what the engine keeps of a user's traits, so that no user's state or message can outgrow what
     * PostgreSQL and Kafka carry (Kafka refuses records over 1 MB by default). An identify call's traits that would
     * pass a limit are refused, each with a logged reason; the others are kept.
     */
    interface Profiles {
        /** Traits per user at most. */
        @WithDefault("200")
        int maxTraits();

        /** Bytes of one trait's value (as JSON) at most. */
        @WithDefault("8192")
        int maxTraitBytes();

        /** Bytes of all of a user's traits together (as JSON) at most. */
        @WithDefault("65536")
        int maxProfileBytes();
    }

    interface Outbox {
        /** Records relayed to Kafka per round. */
        @WithDefault("1000")
        int batchSize();

        /** How often the outbox is looked at when nothing woke the relay. */
        @WithDefault("100ms")
        Duration pollInterval();

        /**
         * How long Kafka may take to acknowledge a round before the relay gives up on it and tries again (the records
         * stay in the outbox meanwhile).
         */
        @WithDefault("30s")
        Duration ackTimeout();
    }

    interface Timers {
        /** How often due timers are looked for; a message fires at most about this late. */
        @WithDefault("200ms")
        Duration pollInterval();

        /** Users whose timers are handled in one transaction. */
        @WithDefault("1000")
        int batchSize();

        /** Threads firing timers in this instance; with SKIP LOCKED they never take the same user. */
        @WithDefault("2")
        int threads();
    }

    interface Broadcasts {
        /** How often the fan-out looks for recipients to send to when it has nothing to do. */
        @WithDefault("200ms")
        Duration pollInterval();

        /** Recipients handled in one transaction. */
        @WithDefault("500")
        int batchSize();

        /** Profiles read per transaction while the audience of an {@code all} or {@code where} broadcast is taken. */
        @WithDefault("5000")
        int snapshotChunk();

        /** The most user ids one {@code POST /v1/broadcasts} may list. */
        @WithDefault("100000")
        int maxListedUsers();

        /**
         * How often a journey message held by an open incident is tried again while it stays open (each try is a line
         * in the user's journey log); the resolve sends held messages at once, spread over up to a minute.
         */
        @WithDefault("15m")
        Duration holdRecheck();

        /** Threads of the fan-out in this instance; with SKIP LOCKED they never take the same recipient. */
        @WithDefault("1")
        int threads();
    }
}
