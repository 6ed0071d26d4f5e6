package dev.onramp.dispatch.inapp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.pipeline.Loop;
import dev.onramp.pipeline.Stalls;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
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

    private static final Logger LOG = Logger.getLogger(InboxStreams.class);
    /** This instance, in the payload of the {@code NOTIFY}s it sends: {@code <instance>:<user id>}. */
    static final String INSTANCE = java.util.UUID.randomUUID().toString();

    private final DataSource dataSource;
    private final Inbox inbox;
    private final ObjectMapper json;
    private final DispatchConfig config;
    private final Map<String, Set<Subscriber>> subscribers = new ConcurrentHashMap<>();
    /** Streams open or being opened, per user and in all: each holds a connection and a little memory. */
    private final Map<String, Integer> reserved = new ConcurrentHashMap<>();

    /** Users whose send runs now; true when another change came while it ran, so it reads once more. */
    private final Map<String, Boolean> pending = new ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();
    private final Loop loop;
    /** The connection that listens, kept across rounds; null until it is (re)opened. */
    private Connection listening;

    InboxStreams(DataSource dataSource, Inbox inbox, ObjectMapper json, DispatchConfig config, Stalls stalls) {
        this.dataSource = dataSource;
        this.inbox = inbox;
        this.json = json;
        this.config = config;
        this.loop = new Loop("the inbox streams", Duration.ZERO, stalls, this::listen);
    }

    private record Subscriber(MultiEmitter<? super OutboundSseEvent> emitter, Sse sse) {}

    void start(@Observes StartupEvent ignored) {
        loop.start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        loop.stop(Duration.ofSeconds(5));
        closeListening();
        subscribers.values().forEach(set -> set.forEach(s -> s.emitter().complete()));
    }

    /**
     * Takes a place for one more stream of this user, or says why there is none: a user may hold
     * {@code onramp.dispatch.inbox.max-streams-per-user} at once (tabs, devices), an instance
     * {@code onramp.dispatch.inbox.max-streams} in all, so that a script holding streams open cannot exhaust it.
     */
    public java.util.Optional<String> reserve(String userId) {
        if (total.incrementAndGet() > config.inbox().maxStreams()) {
            total.decrementAndGet();
            return java.util.Optional.of("this instance has " + config.inbox().maxStreams() + " live streams open");
        }
        boolean[] full = {false};
        reserved.compute(userId, (k, n) -> {
            int count = n == null ? 0 : n;
            if (count >= config.inbox().maxStreamsPerUser()) {
                full[0] = true;
                return n;
            }
            return count + 1;
        });
        if (full[0]) {
            total.decrementAndGet();
            return java.util.Optional.of("this user has " + config.inbox().maxStreamsPerUser()
                    + " live streams open; close one (a tab) first");
        }
        return java.util.Optional.empty();
    }

    private void release(String userId) {
        total.decrementAndGet();
        reserved.computeIfPresent(userId, (k, n) -> n <= 1 ? null : n - 1);
    }

    /**
     * The user's inbox now, then each time it changes, with a comment every heartbeat so proxies keep it open. Call
     * after {@link #reserve}: the place is given back when the stream ends.
     */
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
            // Off the I/O thread (reading the inbox blocks), and in turn with the user's other sends.
            tell(userId);
        });
        Multi<OutboundSseEvent> heartbeats = Multi.createFrom()
                .ticks()
                .every(config.inbox().heartbeat())
                .map(tick -> sse.newEventBuilder().comment("keep-alive").build());
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable giveBack = () -> {
            if (released.compareAndSet(false, true)) {
                release(userId);
            }
        };
        return Multi.createBy()
                .merging()
                .streams(changes, heartbeats)
                .onTermination()
                .invoke(giveBack)
                .onCancellation()
                .invoke(giveBack);
    }

    int open() {
        return subscribers.values().stream().mapToInt(Set::size).sum();
    }

    /** One round: waits up to half a second for inbox changes and sends them to the streams that are open. */
    private Loop.Next listen() throws SQLException {
        try {
            if (listening == null) {
                listening = dataSource.getConnection();
                try (Statement s = listening.createStatement()) {
                    s.execute("LISTEN " + Inbox.CHANNEL);
                }
            }
            PGNotification[] notifications =
                    listening.unwrap(PGConnection.class).getNotifications(500);
            if (notifications != null) {
                for (PGNotification notification : notifications) {
                    String payload = notification.getParameter();
                    int colon = payload.indexOf(':');
                    if (colon == INSTANCE.length() && payload.startsWith(INSTANCE)) {
                        continue; // changed here, and this instance's streams were told on commit
                    }
                    // From another instance (<instance>:<user>), or from one older than the instance prefix.
                    tell(colon == INSTANCE.length() ? payload.substring(colon + 1) : payload);
                }
            }
            return Loop.Next.AGAIN;
        } catch (SQLException | RuntimeException e) {
            closeListening();
            throw e;
        }
    }

    /**
     * These users' inboxes changed in a transaction this instance just committed: the streams open here get them at
     * once, off the committing thread.
     */
    void changedHere(List<String> userIds) {
        // Most users hold no stream: no task for them.
        List<String> open = userIds.stream().filter(subscribers::containsKey).toList();
        if (open.isEmpty()) {
            return;
        }
        open.forEach(this::tell);
    }

    /**
     * The user's inbox, read after this call, to the streams open for them here. One user's sends run one at a time,
     * and changes that arrive while one runs make one more: two reads racing could otherwise deliver an older inbox
     * after a newer one (the badge showing a message read a moment ago as unread), and a burst of changes costs at most
     * two reads.
     */
    private void tell(String userId) {
        boolean[] start = {false};
        pending.compute(userId, (k, again) -> {
            start[0] = again == null;
            return start[0] ? Boolean.FALSE : Boolean.TRUE;
        });
        if (!start[0]) {
            return;
        }
        try {
            Infrastructure.getDefaultWorkerPool().execute(() -> drain(userId));
        } catch (RuntimeException rejected) {
            pending.remove(userId);
            LOG.debugf("stopping: the live streams of %s are not told of their change", userId);
        }
    }

    private void drain(String userId) {
        boolean[] again = {true};
        while (again[0]) {
            Set<Subscriber> open = subscribers.get(userId);
            if (open != null && !open.isEmpty()) {
                send(userId, Set.copyOf(open));
            }
            pending.compute(userId, (k, more) -> {
                again[0] = Boolean.TRUE.equals(more);
                return again[0] ? Boolean.FALSE : null;
            });
        }
    }

    private void closeListening() {
        if (listening != null) {
            try {
                listening.close();
            } catch (SQLException ignored) {
                // broken already
            }
            listening = null;
        }
    }

    private void send(String userId, Set<Subscriber> to) {
        String payload;
        try {
            payload = QuarkusTransaction.requiringNew()
                    .call(() -> json.writeValueAsString(new InboxResource.Messages(
                            userId, inbox.unread(userId), inbox.list(userId, 20), inbox.feedback())));
        } catch (RuntimeException e) {
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
