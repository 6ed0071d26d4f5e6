package dev.onramp.dispatch.delivery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.email.EmailSender;
import dev.onramp.dispatch.inapp.Inbox;
import dev.onramp.dispatch.outbox.OutboxRelay;
import dev.onramp.dispatch.template.Templates;
import dev.onramp.templates.Channel;
import dev.onramp.templates.Rendered;
import dev.onramp.templates.TemplateData;
import dev.onramp.templates.TemplateException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Delivers pending messages. Each round claims a batch ({@code FOR UPDATE SKIP LOCKED}, so instances share the
 * work), renders each message for its user and channel, delivers it, and commits its new status with the delivery
 * event that reports it. A transient failure is retried with exponential backoff and jitter, from PostgreSQL, so a
 * restart loses nothing; a permanent one tries the fallback channels, then fails the message to the dead-letter topic.
 */
@ApplicationScoped
public class DeliveryWorker {

    private static final Logger LOG = Logger.getLogger(DeliveryWorker.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final DispatchConfig config;
    private final DataSource dataSource;
    private final InstantSource clock;
    private final ObjectMapper json;
    private final Templates templates;
    private final Inbox inbox;
    private final EmailSender email;
    private final DeliveryEvents events;
    private final OutboxRelay relay;
    private final MeterRegistry meters;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    DeliveryWorker(
            DispatchConfig config,
            DataSource dataSource,
            InstantSource clock,
            ObjectMapper json,
            Templates templates,
            Inbox inbox,
            EmailSender email,
            DeliveryEvents events,
            OutboxRelay relay,
            MeterRegistry meters) {
        this.config = config;
        this.dataSource = dataSource;
        this.clock = clock;
        this.json = json;
        this.templates = templates;
        this.inbox = inbox;
        this.email = email;
        this.events = events;
        this.relay = relay;
        this.meters = meters;
    }

    void start(@Observes @Priority(30) StartupEvent ignored) {
        running = true;
        thread = Thread.ofPlatform().name("delivery-worker").start(this::run);
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        wake.release();
        try {
            if (thread != null) {
                thread.join(15_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** New requests were stored: deliver them now rather than at the next poll. */
    public void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    private void run() {
        long backoff = 200;
        while (running) {
            try {
                int handled = deliverOnce();
                backoff = 200;
                if (handled < config.delivery().batchSize()) {
                    wake.tryAcquire(config.delivery().pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.warnf("delivering failed, retrying in %d ms: %s", backoff, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    private record Pending(String messageId, JsonNode request, int attempts) {}

    /** What happened to one message. */
    private record Result(String status, String channel, String detail, boolean retry, boolean permanent) {
        static Result done(String status, Channel channel) {
            return new Result(status, channel.wireName(), null, false, false);
        }
    }

    int deliverOnce() throws SQLException, IOException {
        Instant now = clock.instant();
        int handled = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Pending> pending = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT message_id, request, attempts FROM deliveries
                        WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED""")) {
                    ps.setObject(1, time(now));
                    ps.setInt(2, config.delivery().batchSize());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            pending.add(new Pending(rs.getString(1), json.readTree(rs.getString(2)), rs.getInt(3)));
                        }
                    }
                }
                for (Pending p : pending) {
                    deliver(c, p, now);
                    handled++;
                }
                c.commit();
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        if (handled > 0) {
            relay.wake();
        }
        return handled;
    }

    private void deliver(Connection c, Pending p, Instant now) throws SQLException {
        JsonNode request = p.request();
        String userId = request.get("user").get("id").asText();
        String journey = text(request, "journey");
        String step = text(request, "step");
        List<Channel> channels = new ArrayList<>();
        Channel.of(request.get("channel").asText()).ifPresent(channels::add);
        JsonNode fallback = request.get("fallbackChannels");
        if (fallback != null && fallback.isArray()) {
            fallback.forEach(f ->
                    Channel.of(f.asText()).filter(ch -> !channels.contains(ch)).ifPresent(channels::add));
        }
        List<String> failures = new ArrayList<>();
        for (Channel channel : channels) {
            Result result = attempt(c, p, channel, now);
            if (result.retry()) {
                int attempts = p.attempts() + 1;
                if (attempts < config.delivery().maxAttempts()) {
                    Duration delay = backoff(attempts);
                    update(c, p.messageId(), "pending", null, attempts, now.plus(delay), result.detail(), now);
                    LOG.infof(
                            "message %s to %s: %s; attempt %d, next in %s",
                            p.messageId(), userId, result.detail(), attempts, delay);
                    return;
                }
                failures.add(channel + ": " + result.detail() + " (gave up after " + attempts + " attempts)");
                continue;
            }
            if (result.permanent()) {
                failures.add(channel + ": " + result.detail());
                if ("suppressed".equals(result.status())) {
                    events.publish(
                            c,
                            new DeliveryEvents.Event(
                                    p.messageId(),
                                    userId,
                                    journey,
                                    step,
                                    channel.wireName(),
                                    "suppressed",
                                    result.detail(),
                                    null),
                            now);
                }
                continue;
            }
            update(c, p.messageId(), result.status(), channel.wireName(), p.attempts() + 1, null, null, now);
            String detail = channel.wireName().equals(request.get("channel").asText())
                    ? null
                    : "by fallback after " + String.join("; ", failures);
            events.publish(
                    c,
                    new DeliveryEvents.Event(
                            p.messageId(), userId, journey, step, channel.wireName(), result.status(), detail, null),
                    now);
            meters.counter("onramp.dispatch.deliveries", "channel", channel.wireName(), "status", result.status())
                    .increment();
            return;
        }
        String detail = String.join("; ", failures);
        update(c, p.messageId(), "failed", null, p.attempts() + 1, null, detail, now);
        events.publish(
                c,
                new DeliveryEvents.Event(
                        p.messageId(),
                        userId,
                        journey,
                        step,
                        request.get("channel").asText(),
                        "failed",
                        detail,
                        null),
                now);
        events.deadLetter(c, config.topics().messageRequests(), userId, request.toString(), detail, now);
        meters.counter(
                        "onramp.dispatch.deliveries",
                        "channel",
                        request.get("channel").asText(),
                        "status",
                        "failed")
                .increment();
        LOG.warnf("message %s to %s failed: %s", p.messageId(), userId, detail);
    }

    private Result attempt(Connection c, Pending p, Channel channel, Instant now) throws SQLException {
        JsonNode request = p.request();
        String userId = request.get("user").get("id").asText();
        if (!templates.has(request.get("template").asText(), channel)) {
            return new Result(
                    "failed",
                    channel.wireName(),
                    "template '" + request.get("template").asText() + "' has no " + channel + " version",
                    false,
                    true);
        }
        Rendered rendered;
        try {
            rendered = templates.render(
                    request.get("template").asText(), channel, text(request, "locale"), data(request, channel));
        } catch (TemplateException e) {
            return new Result("failed", channel.wireName(), e.getMessage(), false, true);
        }
        return switch (channel) {
            case IN_APP -> {
                inbox.store(c, p.messageId(), userId, text(request, "journey"), text(request, "step"), rendered, now);
                yield Result.done("delivered", channel);
            }
            case EMAIL -> {
                JsonNode traits = request.get("user").get("traits");
                String address = traits == null ? null : text(traits, "email");
                if (address == null || address.isBlank()) {
                    yield new Result("failed", channel.wireName(), "the user has no email trait", false, true);
                }
                String suppressed = suppression(c, "email", address);
                if (suppressed != null) {
                    yield new Result(
                            "suppressed", channel.wireName(), address + " is suppressed: " + suppressed, false, true);
                }
                EmailSender.Outcome outcome = email.send(p.messageId(), address, rendered);
                yield switch (outcome.kind()) {
                    case SENT -> Result.done("sent", channel);
                    case TRANSIENT -> new Result("pending", channel.wireName(), outcome.detail(), true, false);
                    case REJECTED -> {
                        suppress(c, "email", address, outcome.detail(), now);
                        yield new Result(
                                "suppressed",
                                channel.wireName(),
                                "the mail server rejected " + address + ": " + outcome.detail(),
                                false,
                                true);
                    }
                };
            }
            case SMS, WEBHOOK ->
                new Result(
                        "failed",
                        channel.wireName(),
                        channel + " delivery is not available in this version",
                        false,
                        true);
        };
    }

    /** What a template can use. */
    private Map<String, Object> data(JsonNode request, Channel channel) {
        JsonNode user = request.get("user");
        return TemplateData.of(
                user.get("id").asText(),
                user.has("traits") && user.get("traits").isObject()
                        ? json.convertValue(user.get("traits"), MAP)
                        : Map.of(),
                request.has("context") && request.get("context").isObject()
                        ? json.convertValue(request.get("context"), MAP)
                        : Map.of(),
                text(request, "journey"),
                text(request, "step"),
                request.get("messageId").asText(),
                channel,
                Map.of("app", config.appUrl()));
    }

    private Duration backoff(int attempts) {
        long base = config.delivery().firstRetry().toMillis() * (1L << Math.min(attempts - 1, 16));
        long capped = Math.min(base, Duration.ofHours(1).toMillis());
        // Full jitter in [capped/2, capped]: retries from many messages do not arrive together.
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private static String suppression(Connection c, String channel, String address) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT reason FROM suppressions WHERE channel = ? AND address = ?")) {
            ps.setString(1, channel);
            ps.setString(2, address.toLowerCase(java.util.Locale.ROOT));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void suppress(Connection c, String channel, String address, String reason, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO suppressions (channel, address, reason, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, channel);
            ps.setString(2, address.toLowerCase(java.util.Locale.ROOT));
            ps.setString(3, reason);
            ps.setObject(4, time(now));
            ps.executeUpdate();
        }
    }

    private static void update(
            Connection c,
            String messageId,
            String status,
            String deliveredBy,
            int attempts,
            Instant next,
            String error,
            Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE deliveries SET status = ?, delivered_by = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?
                WHERE message_id = ?""")) {
            ps.setString(1, status);
            ps.setString(2, deliveredBy);
            ps.setInt(3, attempts);
            ps.setObject(4, next == null ? null : time(next));
            ps.setString(5, error);
            ps.setObject(6, time(now));
            ps.setString(7, messageId);
            ps.executeUpdate();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static OffsetDateTime time(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
