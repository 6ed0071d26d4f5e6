package dev.onramp.dispatch.handoff;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.ledger.DeliveryRequest;
import dev.onramp.dispatch.send.Destinations;
import dev.onramp.pipeline.Loop;
import dev.onramp.pipeline.Stalls;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Hands conversations to their destinations ({@code docs/conversations.md}): claims due hand-offs, calls the help desk,
 * the signed webhook or the chat webhook each names, and records what happened. Destinations are their own
 * interface beside the channel senders: what a user wrote goes to the team, not to a user.
 */
@ApplicationScoped
public class HandoffWorker {

    private static final Logger LOG = Logger.getLogger(HandoffWorker.class);
    private static final int BATCH = 50;
    private static final Duration LEASE = Duration.ofMinutes(2);

    private final DispatchConfig config;
    private final HandoffStore store;
    private final ObjectMapper json;
    private final InstantSource clock;
    private final MeterRegistry meters;
    private final HelpDesk helpDesk;
    private final SignedWebhook webhook;
    private final ChatAlert chat;
    private final Loop loop;
    private final Map<String, Instant> lastChat = new ConcurrentHashMap<>();

    HandoffWorker(
            DispatchConfig config,
            HandoffStore store,
            ObjectMapper json,
            InstantSource clock,
            Stalls stalls,
            MeterRegistry meters) {
        this.config = config;
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.meters = meters;
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.helpDesk = new HelpDesk(http, json);
        this.webhook = new SignedWebhook(http, json);
        this.chat = new ChatAlert(http, json);
        this.loop = new Loop("the hand-off worker", Duration.ofMillis(250), stalls, this::handOnce);
    }

    void start(@Observes StartupEvent ignored) {
        loop.start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        loop.stop(Duration.ofSeconds(5));
    }

    /** There are hand-offs now. */
    public void wake() {
        loop.wake();
    }

    Loop.Next handOnce() throws Exception {
        Instant now = clock.instant();
        List<HandoffStore.Claimed> claimed = store.claim(BATCH, now, LEASE);
        if (claimed.isEmpty()) {
            return Loop.Next.IDLE;
        }
        Map<String, List<Item>> chats = new LinkedHashMap<>();
        for (HandoffStore.Claimed c : claimed) {
            Handoff h;
            try {
                h = Handoff.read(json.readTree(c.raw()));
            } catch (DeliveryRequest.Invalid | IOException e) {
                // Checked when it was stored; a stored request that no longer reads is given up with why.
                LOG.warnf("hand-off %s no longer reads: %s", c.messageId(), e.getMessage());
                continue;
            }
            if (h.kind() == Handoff.Kind.CHAT) {
                chats.computeIfAbsent(h.destination(), k -> new ArrayList<>()).add(new Item(c, h));
                continue;
            }
            record(c, h, hand(h, c));
        }
        chats.forEach(this::handBurst);
        return claimed.size() == BATCH ? Loop.Next.AGAIN : Loop.Next.IDLE;
    }

    private record Item(HandoffStore.Claimed claimed, Handoff handoff) {}

    /** A chat webhook takes one message a second: what came meanwhile goes as one. */
    private void handBurst(String destination, List<Item> burst) {
        Instant now = clock.instant();
        Instant last = lastChat.get(destination);
        Duration interval = config.handoffs().chatInterval();
        try {
            if (last != null && last.plus(interval).isAfter(now)) {
                store.defer(burst.stream().map(i -> i.claimed().messageId()).toList(), last.plus(interval));
                return;
            }
            Handed handed = checked(
                    burst.getFirst().handoff(),
                    (cfg, h) -> chat.hand(cfg, burst.stream().map(Item::handoff).toList()));
            lastChat.put(destination, clock.instant());
            for (Item item : burst) {
                record(item.claimed(), item.handoff(), handed);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Handed hand(Handoff h, HandoffStore.Claimed c) {
        return checked(h, (cfg, handoff) -> switch (handoff.kind()) {
            case HELPDESK -> helpDesk.hand(cfg, handoff, c.ticket(), c.attempts());
            case WEBHOOK -> webhook.hand(cfg, handoff, clock.instant());
            case CHAT -> chat.hand(cfg, List.of(handoff));
        });
    }

    @FunctionalInterface
    private interface Call {
        Handed call(DispatchConfig.Destination config, Handoff h) throws IOException, InterruptedException;
    }

    /** The destination's settings and the SSRF guard first; then the call, whose failures are outcomes, not throws. */
    private Handed checked(Handoff h, Call call) {
        DispatchConfig.Destination destination = config.destinations().get(h.destination());
        if (destination == null || destination.url().isEmpty()) {
            return Handed.permanent("destination '" + h.destination() + "' is not configured: set"
                    + " onramp.dispatch.destinations." + h.destination() + ".url");
        }
        String url = destination.url().get();
        Destinations guard = new Destinations(
                Destinations.hostOf(url).map(List::of).orElse(List.of()),
                config.outbound().allowedNetworks().orElse(List.of()),
                Destinations.Resolver.SYSTEM);
        if (guard.check(url) instanceof Destinations.Refused refused) {
            return Handed.permanent("destination '" + h.destination() + "' refused: " + refused.reason());
        }
        try {
            return call.call(destination, h);
        } catch (HttpTimeoutException e) {
            return Handed.retry(h.destination() + " did not answer in time", null);
        } catch (IOException e) {
            return Handed.retry(
                    "could not reach " + h.destination() + " (" + e.getClass().getSimpleName() + ")", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Handed.retry("interrupted", null);
        }
    }

    private void record(HandoffStore.Claimed c, Handoff h, Handed handed) {
        try {
            store.record(c, h, handed, clock.instant());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        meters.counter(
                        "onramp.dispatch.handoffs",
                        "destination",
                        h.destination(),
                        "outcome",
                        handed.kind().name().toLowerCase(java.util.Locale.ROOT))
                .increment();
        if (handed.kind() != Handed.Kind.DONE) {
            LOG.infof("hand-off %s to %s: %s", h.messageId(), h.destination(), handed.detail());
        }
    }
}
