package dev.onramp.dispatch.inapp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Live inboxes: each open stream gets the user's inbox when it opens and again whenever it changes. Changes travel
 * through PostgreSQL ({@code NOTIFY} on commit, {@code LISTEN} here), so a message stored by any instance reaches a
 * stream held by any other.
 */
@ApplicationScoped
public class InboxStreams {

    static final String CHANNEL = "onramp_inbox";
    private static final Logger LOG = Logger.getLogger(InboxStreams.class);

    private final DataSource dataSource;
    private final Inbox inbox;
    private final ObjectMapper json;
    private final DispatchConfig config;
    private final Map<String, Set<Subscriber>> subscribers = new ConcurrentHashMap<>();
    private volatile boolean running;
    private Thread listener;

    InboxStreams(DataSource dataSource, Inbox inbox, ObjectMapper json, DispatchConfig config) {
        this.dataSource = dataSource;
        this.inbox = inbox;
        this.json = json;
        this.config = config;
    }

    private record Subscriber(MultiEmitter<? super OutboundSseEvent> emitter, Sse sse) {}

    void start(@Observes StartupEvent ignored) {
        running = true;
        listener = Thread.ofPlatform().name("inbox-listener").daemon().start(this::listen);
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        if (listener != null) {
            listener.interrupt();
        }
        subscribers.values().forEach(set -> set.forEach(s -> s.emitter().complete()));
    }

    /** The user's inbox now, then each time it changes, with a comment every heartbeat so proxies keep it open. */
    public Multi<OutboundSseEvent> stream(String userId, Sse sse) {
        Multi<OutboundSseEvent> changes = Multi.createFrom().emitter(emitter -> {
            Subscriber subscriber = new Subscriber(emitter, sse);
            subscribers
                    .computeIfAbsent(userId, k -> ConcurrentHashMap.newKeySet())
                    .add(subscriber);
            emitter.onTermination(() -> subscribers.computeIfPresent(userId, (k, set) -> {
                set.remove(subscriber);
                return set.isEmpty() ? null : set;
            }));
            send(userId, Set.of(subscriber));
        });
        Multi<OutboundSseEvent> heartbeats = Multi.createFrom()
                .ticks()
                .every(config.inbox().heartbeat())
                .map(tick -> sse.newEventBuilder().comment("keep-alive").build());
        return Multi.createBy().merging().streams(changes, heartbeats);
    }

    int open() {
        return subscribers.values().stream().mapToInt(Set::size).sum();
    }

    private void listen() {
        long backoff = 500;
        while (running) {
            try (Connection c = dataSource.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
                PGConnection pg = c.unwrap(PGConnection.class);
                backoff = 500;
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(500);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification notification : notifications) {
                        Set<Subscriber> open = subscribers.get(notification.getParameter());
                        if (open != null && !open.isEmpty()) {
                            send(notification.getParameter(), Set.copyOf(open));
                        }
                    }
                }
            } catch (SQLException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("listening for inbox changes failed, again in %d ms: %s", backoff, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    private void send(String userId, Set<Subscriber> to) {
        String payload;
        try (Connection c = dataSource.getConnection()) {
            payload = json.writeValueAsString(
                    Map.of("userId", userId, "unread", inbox.unread(c, userId), "messages", inbox.list(c, userId, 20)));
        } catch (SQLException | JsonProcessingException e) {
            LOG.warnf("cannot read the inbox of %s for its stream: %s", userId, e.toString());
            return;
        }
        for (Subscriber subscriber : to) {
            subscriber
                    .emitter()
                    .emit(subscriber
                            .sse()
                            .newEventBuilder()
                            .name("inbox")
                            .data(payload)
                            .build());
        }
    }
}
