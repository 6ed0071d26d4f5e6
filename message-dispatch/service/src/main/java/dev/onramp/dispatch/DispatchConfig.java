package dev.onramp.dispatch;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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

    /** Where end users reach this service: the base of unsubscribe and preference links, and of SMS callbacks. */
    @WithDefault("http://localhost:8083")
    String publicUrl();

    /** The product's own web address, offered to templates as {@code links.app}. */
    @WithDefault("http://localhost:3000")
    String appUrl();

    /** Bearer token of the admin API (template preview). A secret: set it from the environment. */
    Optional<String> adminToken();

    /** The admin token being rotated out: accepted as well until it is removed. */
    Optional<String> adminTokenPrevious();

    /**
     * Signs the unsubscribe and preference links of emails, so that nobody changes another's preferences. A secret: set
     * it from the environment, the same on every instance.
     */
    Optional<String> linksSecret();

    /**
     * The links secret being rotated out: links it signed (each names its key) keep working until it is removed; new
     * links are signed with {@link #linksSecret()}.
     */
    Optional<String> linksSecretPrevious();

    /** How long links stay valid. */
    LinkExpiry links();

    Topics topics();

    Email email();

    Sms sms();

    Webhook webhook();

    Outbound outbound();

    Retention retention();

    /** How long what message-dispatch records is kept (docs/security.md); 0 keeps it forever. */
    interface Retention {
        /** Finished deliveries (sent, delivered, failed) older than this are deleted, with the request they hold. */
        @WithDefault("180d")
        Duration deliveries();

        /** Inbox messages older than this are deleted, read or not. */
        @WithDefault("365d")
        Duration inboxMessages();

        /** How often the purge runs when the last one found nothing more to delete. */
        @WithDefault("1h")
        Duration interval();
    }

    Inbox inbox();

    Conversations conversations();

    /**
     * Where conversations are handed, by the names routes.yaml gives them
     * ({@code onramp.dispatch.destinations.zendesk.url}...): the kind is routes.yaml's, the address and secrets are
     * these settings.
     */
    java.util.Map<String, Destination> destinations();

    /** One destination's address and secrets. */
    interface Destination {
        /**
         * A help desk's base URL ({@code https://acme.zendesk.com}), a webhook's endpoint, a chat's incoming webhook
         * URL. Required; its host is the only one the destination may reach.
         */
        Optional<String> url();

        /** A help desk with an API token: the agent's email ({@code email/token:token}, Basic). */
        Optional<String> email();

        /** A help desk's API token (with {@code email}) or OAuth bearer token (without). */
        Optional<String> token();

        /** A webhook's signing secret (Standard Webhooks: {@code whsec_<base64>}). */
        Optional<String> secret();

        /**
         * A help desk's own webhook back to Onramp ({@code POST /hooks/helpdesk/<name>}, its trigger on an agent's
         * public comment): the signing secret it signs with ({@code X-Zendesk-Webhook-Signature}). Without one, the
         * help desk cannot answer through Onramp.
         */
        Optional<String> webhookSecret();

        /**
         * A help desk's group for each team of team.yaml ({@code groups.revenue=360001}, Zendesk's group ids): the
         * ticket of a conversation that team owns is opened in its group ({@code group_id}); a team without one leaves
         * the ticket to the help desk's own rules.
         */
        Map<String, Long> groups();

        /** How long one call may take. */
        @WithDefault("10s")
        Duration timeout();
    }

    Handoffs handoffs();

    /** How conversations are handed to destinations. */
    interface Handoffs {
        /** The first retry's delay after a failed hand-off; each next doubles, with jitter, up to {@code max-retry}. */
        @WithDefault("2s")
        Duration firstRetry();

        /** The longest wait between two tries. */
        @WithDefault("10m")
        Duration maxRetry();

        /** How long a hand-off is tried before it is given up (failed, parked on the dead-letter topic). */
        @WithDefault("24h")
        Duration giveUpAfter();

        /** The least time between two messages to one chat webhook; a burst meanwhile goes as one. */
        @WithDefault("1s")
        Duration chatInterval();
    }

    /** What end users write back from the widget: replies to messages and feedback (docs/conversations.md). */
    interface Conversations {
        /** Whether the widget offers feedback and replies, and the inbox takes them. */
        @WithDefault("true")
        boolean enabled();

        /** The categories a user may give their feedback, in the order the widget lists them; none when unset. */
        @WithDefault("question,bug,billing,idea")
        Optional<java.util.List<String>> categories();

        /** The longest text a user may send, in characters; a longer one gets 400. */
        @WithDefault("2000")
        int maxLength();

        /** Messages one user may write per minute; one more gets 429 with {@code Retry-After}. */
        @WithDefault("10")
        int perUserPerMinute();
    }

    Delivery delivery();

    Outbox outbox();

    interface Topics {
        @WithDefault("onramp.message-requests")
        String messageRequests();

        @WithDefault("onramp.delivery-events")
        String deliveryEvents();

        /** Requests to erase a user everywhere (journey-engine's admin API writes them). */
        @WithDefault("onramp.erasures")
        String erasures();

        /** What end users write back: published here for journey-engine to record, route and answer. */
        @WithDefault("onramp.conversations")
        String conversations();

        @WithDefault("6")
        int partitions();

        @WithDefault("1")
        short replicationFactor();

        /** The consumer group of all dispatch instances (the {@code dispatch-in} channel's {@code group.id} reads it). */
        @WithDefault("message-dispatch")
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

    interface Outbox {
        /** Records relayed to Kafka per round. */
        @WithDefault("1000")
        int batchSize();

        /** How often the outbox is looked at when nothing woke the relay. */
        @WithDefault("100ms")
        Duration pollInterval();

        /** How long Kafka may take to acknowledge a round before the relay tries it again. */
        @WithDefault("30s")
        Duration ackTimeout();

        /**
         * How long the relay waits, once woken after a round that was not full, for more records to join the next one.
         * Sends to outside providers finish one by one: without it, each delivery event would cost a round, a commit
         * and a Kafka request of its own. Delivery events are reports, not messages: 50 ms later is nothing to anyone.
         */
        @WithDefault("50ms")
        Duration linger();
    }

    /** How fast a provider may be called: sends at once, and per second (0 for no limit). */
    interface Provider {
        /** Sends in flight at once. */
        int concurrency();

        /** Sends per second at most; 0 for no limit. */
        double rateLimit();
    }

    interface Email extends Provider {
        /** The sender of every email. */
        @WithDefault("Onramp <onboarding@onramp.localhost>")
        String from();

        /**
         * Where replies go, for every email whose template names no {@code reply_to}; unset, replies go to the
         * teammate who signs the message ({@code team.yaml}), and to nobody in particular for unsigned ones.
         */
        Optional<String> replyTo();

        /**
         * A domain whose mail comes back to Onramp ({@code reply.acme.example}): an email that takes replies then has a
         * signed reply address of its own there ({@code <message id>.<tag>@reply.acme.example}), and the provider's
         * inbound route posts what arrives to {@code /v1/email/inbound}. Unset, replies go to a person (above).
         */
        Optional<String> replyDomain();

        /**
         * The secret the provider's inbound route sends to {@code /v1/email/inbound}, as a bearer token or as the
         * password of Basic authentication. Required with a reply domain.
         */
        Optional<String> inboundToken();

        /** The address {@code List-Unsubscribe} also offers, for mail clients that only know mailto. */
        Optional<String> unsubscribeMailto();

        @Override
        @WithDefault("8")
        int concurrency();

        @Override
        @WithDefault("0")
        double rateLimit();
    }

    /** SMS through the Twilio Messages API, or anything that speaks it. */
    interface Sms extends Provider {
        /** The API's base; point it at a stub in tests. */
        @WithDefault("https://api.twilio.com")
        String baseUrl();

        /** The account (HTTP Basic user). */
        Optional<String> accountSid();

        /** The account's auth token (HTTP Basic password; also signs callbacks). A secret. */
        Optional<String> authToken();

        /** The sending number, E.164. */
        Optional<String> from();

        /** A messaging service to send through instead of a number. */
        Optional<String> messagingServiceSid();

        /** Check the X-Twilio-Signature of status callbacks and inbound messages. */
        @WithDefault("true")
        boolean verifySignatures();

        @Override
        @WithDefault("4")
        int concurrency();

        @Override
        @WithDefault("10")
        double rateLimit();
    }

    /** The webhook channel: signed JSON POSTs for integrations. */
    interface Webhook extends Provider {
        /** Where messages go unless their template names a url. */
        Optional<String> url();

        /**
         * Signs each POST: {@code X-Onramp-Signature: v1=HMAC-SHA256(secret, timestamp + "." + body)}. A secret,
         * required outside dev and test whenever a webhook can go anywhere.
         */
        Optional<String> secret();

        /** The secret being rotated out: POSTs carry a second {@code v1=} signed with it until it is removed. */
        Optional<String> secretPrevious();

        /** How long a POST may take. */
        @WithDefault("10s")
        Duration timeout();

        @Override
        @WithDefault("4")
        int concurrency();

        @Override
        @WithDefault("0")
        double rateLimit();
    }

    /**
     * Where requests built from templates may go (webhooks; the host of {@code onramp.dispatch.webhook.url} is always
     * allowed). A template's {@code url:} can come from event data: without a list, a journey could probe the private
     * network.
     */
    interface Outbound {
        /** Hosts a template may name: {@code hooks.example.com}, or {@code *.example.com} for every subdomain. */
        Optional<java.util.List<String>> allowedHosts();

        /**
         * Networks that may be reached although they are not public, as CIDR blocks ({@code 10.1.0.0/16}). Loopback,
         * private, link-local and similar addresses are refused after a host is resolved unless listed here.
         */
        Optional<java.util.List<String>> allowedNetworks();
    }

    interface LinkExpiry {
        /**
         * How long a preference link in a message opens the preference page. An unsubscribe link never expires (RFC
         * 8058: one click must keep working), but it opens the preference page only this long after it was sent.
         */
        @WithDefault("90d")
        Duration preferencesExpiry();
    }

    interface Inbox {
        /**
         * The secret of user hashes: a product's backend gives each user {@code HMAC-SHA256(secret, userId)}, hex, and
         * the inbox only opens with it. Set it from the environment.
         */
        Optional<String> secret();

        /** The inbox secret being rotated out: user hashes made with it still open inboxes until it is removed. */
        Optional<String> secretPrevious();

        /**
         * The URL schemes an in-app message's action may use besides paths of the product's site ({@code /settings}):
         * add an app's own scheme ({@code myapp}) for deep links.
         */
        @WithDefault("https,http")
        java.util.List<String> actionSchemes();

        /** Live streams one user may hold open at once (tabs, devices); one more gets 429. */
        @WithDefault("5")
        int maxStreamsPerUser();

        /** Live streams an instance holds open in all; one more gets 429. */
        @WithDefault("10000")
        int maxStreams();

        /** How often an idle live stream sends a comment, so proxies keep it open. */
        @WithDefault("15s")
        Duration heartbeat();
    }

    interface Delivery {
        /** Deliveries handled per round (one transaction for the in-app messages among them). */
        @WithDefault("500")
        int batchSize();

        /** How often pending deliveries are looked for when nothing woke the worker. */
        @WithDefault("200ms")
        Duration pollInterval();

        /** Attempts before a transient failure counts as permanent. */
        @WithDefault("8")
        int maxAttempts();

        /** The first retry's delay; each next one doubles, with jitter, up to an hour. */
        @WithDefault("2s")
        Duration firstRetry();

        /**
         * How long an instance owns a send from the moment it calls the provider: longer than any provider's timeout.
         * A send still unrecorded after this is taken to have died with its instance and is tried again (with the
         * same message id and Message-ID).
         */
        @WithDefault("2m")
        Duration sendingLease();

        /**
         * How long a claimed delivery waiting for its provider stays this instance's without it saying it is alive
         * (it renews the lease every third of this). After that, another instance may take it.
         */
        @WithDefault("30s")
        Duration queueLease();

        /**
         * How long the outcomes of sends wait for others to be recorded with them in one transaction. The send threads
         * go on meanwhile; only the delivery's status and its event are that much later.
         */
        @WithDefault("20ms")
        Duration outcomeLinger();
    }
}
