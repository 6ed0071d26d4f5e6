package dev.onramp.dispatch.delivery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.email.EmailSender;
import dev.onramp.dispatch.inapp.Inbox;
import dev.onramp.dispatch.outbox.OutboxRelay;
import dev.onramp.dispatch.preferences.Links;
import dev.onramp.dispatch.preferences.Preferences;
import dev.onramp.dispatch.sms.SmsSender;
import dev.onramp.dispatch.template.Templates;
import dev.onramp.dispatch.webhook.WebhookSender;
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
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Delivers pending messages. A round claims a batch ({@code FOR UPDATE SKIP LOCKED}, so instances share the work),
 * renders each message for its user and channel, and checks that the channel may reach the user (preferences,
 * suppressed addresses). In-app messages are stored in the inbox in that same transaction. Messages for outside
 * providers (email, SMS, webhook) are marked as being sent and committed first, then sent in parallel within each
 * provider's concurrency and rate limits, and each outcome is committed as soon as it is known, with the delivery
 * event that reports it. A transient failure is retried with exponential backoff and jitter, from PostgreSQL, so a
 * restart loses nothing; a permanent one moves to the next fallback channel, and after the last one the message
 * fails to the dead-letter topic. A send that was in progress when its instance died is tried again after a lease,
 * with the same message id and {@code Message-ID}.
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
    private final SmsSender sms;
    private final WebhookSender webhook;
    private final Preferences preferences;
    private final Links links;
    private final DeliveryEvents events;
    private final OutboxRelay relay;
    private final MeterRegistry meters;
    private final Map<Channel, Throttle> throttles = new EnumMap<>(Channel.class);
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;
    private long lastRecovery;

    DeliveryWorker(
            DispatchConfig config,
            DataSource dataSource,
            InstantSource clock,
            ObjectMapper json,
            Templates templates,
            Inbox inbox,
            EmailSender email,
            SmsSender sms,
            WebhookSender webhook,
            Preferences preferences,
            Links links,
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
        this.sms = sms;
        this.webhook = webhook;
        this.preferences = preferences;
        this.links = links;
        this.events = events;
        this.relay = relay;
        this.meters = meters;
    }

    void start(@Observes @Priority(30) StartupEvent ignored) {
        throttles.put(
                Channel.EMAIL,
                new Throttle(
                        "send-email",
                        config.email().concurrency(),
                        config.email().rateLimit()));
        throttles.put(
                Channel.SMS,
                new Throttle(
                        "send-sms", config.sms().concurrency(), config.sms().rateLimit()));
        throttles.put(
                Channel.WEBHOOK,
                new Throttle(
                        "send-webhook",
                        config.webhook().concurrency(),
                        config.webhook().rateLimit()));
        running = true;
        thread = Thread.ofPlatform().name("delivery-worker").start(this::run);
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        wake.release();
        try {
            if (thread != null) {
                thread.join(20_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throttles.values().forEach(Throttle::close);
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
                recoverAbandonedSends();
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

    /** A claimed delivery. */
    private record Pending(String messageId, JsonNode request, int attempts, int channelIndex, String failures) {
        String userId() {
            return request.get("user").get("id").asText();
        }

        List<Channel> channels() {
            List<Channel> channels = new ArrayList<>();
            Channel.of(request.get("channel").asText()).ifPresent(channels::add);
            JsonNode fallback = request.get("fallbackChannels");
            if (fallback != null && fallback.isArray()) {
                fallback.forEach(f -> Channel.of(f.asText())
                        .filter(ch -> !channels.contains(ch))
                        .ifPresent(channels::add));
            }
            return channels;
        }

        List<String> failureList() {
            List<String> list = new ArrayList<>();
            if (failures != null && !failures.isBlank()) {
                list.addAll(List.of(failures.split("\n")));
            }
            return list;
        }
    }

    /** A message for an outside provider, marked as being sent. */
    private record Job(
            Pending pending,
            Channel channel,
            int channelIndex,
            String address,
            Rendered rendered,
            String unsubscribe,
            List<String> failures) {}

    /**
     * The writes of one transaction, batched: inbox rows, delivery updates and outbox records (in the order they were
     * made) go to PostgreSQL together at {@link #flush()}, and what a round checks for each message (preferences,
     * suppressed addresses) is read for the whole batch at once.
     */
    private final class Round implements AutoCloseable {
        final Connection c;
        final DeliveryEvents.Writer events;
        final Inbox.Writer inboxes;
        final PreparedStatement updates;
        final Map<String, List<Preferences.Unsubscription>> unsubscriptions;
        final Map<Channel, Map<String, String>> suppressed;
        int pendingUpdates;

        Round(Connection c, List<Pending> batch) throws SQLException {
            this.c = c;
            this.events = DeliveryWorker.this.events.writer(c);
            this.inboxes = inbox.writer(c);
            this.updates = c.prepareStatement("""
                    UPDATE deliveries SET status = ?, channel_index = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
                        failures = ?, updated_at = ?, delivered_by = coalesce(?, delivered_by), provider_id = coalesce(?, provider_id),
                        address = coalesce(?, address)
                    WHERE message_id = ?""");
            Set<String> users = new HashSet<>();
            Map<Channel, Set<String>> addresses = new EnumMap<>(Channel.class);
            for (Pending p : batch) {
                users.add(p.userId());
                for (Channel channel : List.of(Channel.EMAIL, Channel.SMS)) {
                    String address = addressOf(p, channel);
                    if (address != null) {
                        addresses.computeIfAbsent(channel, k -> new HashSet<>()).add(address);
                    }
                }
            }
            this.unsubscriptions = preferences.ofUsers(c, users);
            this.suppressed = new EnumMap<>(Channel.class);
            for (var entry : addresses.entrySet()) {
                suppressed.put(
                        entry.getKey(),
                        preferences.suppressions(c, entry.getKey().wireName(), entry.getValue()));
            }
        }

        /** For one message outside a claiming round: nothing is preloaded, nothing needs to be. */
        Round(Connection c) throws SQLException {
            this(c, List.of());
        }

        String blocked(Pending p, Channel channel, String address) {
            String unsubscribed = Preferences.unsubscribed(
                    unsubscriptions.getOrDefault(p.userId(), List.of()),
                    text(p.request(), "journey"),
                    channel.wireName());
            if (unsubscribed != null) {
                return unsubscribed;
            }
            String reason = suppressed.getOrDefault(channel, Map.of()).get(Preferences.key(address));
            return reason == null ? null : address + " is suppressed: " + reason;
        }

        void update(
                String messageId,
                String status,
                int channelIndex,
                int attempts,
                Instant next,
                String error,
                List<String> failures,
                Instant now,
                String deliveredBy,
                String providerId,
                String address)
                throws SQLException {
            updates.setString(1, status);
            updates.setInt(2, channelIndex);
            updates.setInt(3, attempts);
            updates.setObject(4, next == null ? null : time(next));
            updates.setString(5, error);
            updates.setString(6, failures.isEmpty() ? null : String.join("\n", failures));
            updates.setObject(7, time(now));
            updates.setString(8, deliveredBy);
            updates.setString(9, providerId);
            updates.setString(10, address);
            updates.setString(11, messageId);
            updates.addBatch();
            pendingUpdates++;
        }

        void flush() throws SQLException {
            inboxes.flush();
            if (pendingUpdates > 0) {
                updates.executeBatch();
                pendingUpdates = 0;
            }
            events.flush();
        }

        @Override
        public void close() throws SQLException {
            try (events;
                    inboxes;
                    updates) {
                // closes the statements
            }
        }
    }

    int deliverOnce() throws SQLException, IOException {
        Instant now = clock.instant();
        List<Job> jobs = new ArrayList<>();
        int claimed = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Pending> pending = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT message_id, request, attempts, channel_index, failures FROM deliveries
                        WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED""")) {
                    ps.setObject(1, time(now));
                    ps.setInt(2, config.delivery().batchSize());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            pending.add(new Pending(
                                    rs.getString(1),
                                    json.readTree(rs.getString(2)),
                                    rs.getInt(3),
                                    rs.getInt(4),
                                    rs.getString(5)));
                        }
                    }
                }
                if (!pending.isEmpty()) {
                    try (Round round = new Round(c, pending)) {
                        for (Pending p : pending) {
                            prepare(round, p, now, jobs);
                            claimed++;
                        }
                        round.flush();
                    }
                }
                c.commit();
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        if (claimed > 0) {
            relay.wake();
        }
        if (!jobs.isEmpty()) {
            List<CompletableFuture<Void>> sends = new ArrayList<>();
            for (Job job : jobs) {
                sends.add(CompletableFuture.runAsync(
                        () -> execute(job), throttles.get(job.channel()).pool()));
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
            relay.wake();
        }
        return claimed;
    }

    /**
     * Tries the message's channels in order from where it stands, in the claiming transaction: stores an in-app
     * message, or marks an outside send as in progress and queues it, or fails the message when no channel is left.
     */
    private void prepare(Round round, Pending p, Instant now, List<Job> jobs) throws SQLException {
        List<Channel> channels = p.channels();
        List<String> failures = p.failureList();
        for (int index = p.channelIndex(); index < channels.size(); index++) {
            Channel channel = channels.get(index);
            String problem;
            String address = addressOf(p, channel);
            if (!templates.has(p.request().get("template").asText(), channel)) {
                problem = "template '" + p.request().get("template").asText() + "' has no " + channel + " version";
            } else if (address == null) {
                problem = channel == Channel.EMAIL ? "the user has no email trait" : "the user has no phone trait";
            } else if (channel == Channel.SMS
                    && !SmsSender.E164.matcher(address).matches()) {
                problem = "'" + address + "' is not an E.164 phone number, such as +33612345678";
            } else {
                String blocked = round.blocked(p, channel, address);
                if (blocked != null) {
                    failures.add(channel + ": " + blocked);
                    publish(round, p, channel, "suppressed", blocked, now);
                    continue;
                }
                Links.ForMessage messageLinks =
                        links.forMessage(p.userId(), text(p.request(), "journey"), channel.wireName());
                try {
                    Rendered rendered = templates.render(
                            p.request().get("template").asText(),
                            channel,
                            text(p.request(), "locale"),
                            data(p, channel, messageLinks));
                    if (channel == Channel.IN_APP) {
                        round.inboxes.store(
                                p.messageId(),
                                p.userId(),
                                text(p.request(), "journey"),
                                text(p.request(), "step"),
                                rendered,
                                now);
                        finish(round, p, channel, index, "delivered", null, failures, now);
                        return;
                    }
                    round.update(
                            p.messageId(),
                            "sending",
                            index,
                            p.attempts(),
                            null,
                            null,
                            failures,
                            now,
                            null,
                            null,
                            address);
                    jobs.add(new Job(p, channel, index, address, rendered, messageLinks.unsubscribe(), failures));
                    return;
                } catch (TemplateException e) {
                    problem = e.getMessage();
                }
            }
            failures.add(channel + ": " + problem);
        }
        fail(round, p, failures, now);
    }

    /** Sends one message to its provider and commits the outcome with its delivery event. */
    private void execute(Job job) {
        SendOutcome outcome;
        try {
            throttles.get(job.channel()).acquire();
            Instant now = clock.instant();
            outcome = switch (job.channel()) {
                case EMAIL -> email.send(job.pending().messageId(), job.address(), job.rendered(), job.unsubscribe());
                case SMS -> sms.send(job.address(), job.rendered().body().strip());
                case WEBHOOK ->
                    webhook.send(
                            job.pending().messageId(),
                            job.rendered().header("url"),
                            job.rendered().body(),
                            now);
                case IN_APP -> throw new IllegalStateException("in-app messages are stored, not sent");
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = SendOutcome.transientFailure("interrupted while sending");
        } catch (RuntimeException e) {
            outcome = SendOutcome.transientFailure(e.toString());
        }
        try {
            record(job, outcome);
        } catch (SQLException | RuntimeException e) {
            // The row stays 'sending' and is tried again after the lease: the same ids, so receivers see one message.
            LOG.errorf(
                    "could not record the outcome of message %s (%s); it will be tried again: %s",
                    job.pending().messageId(), outcome, e);
        }
    }

    private void record(Job job, SendOutcome outcome) throws SQLException {
        Instant now = clock.instant();
        Pending p = job.pending();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Round round = new Round(c)) {
                List<String> failures = new ArrayList<>(job.failures());
                switch (outcome.kind()) {
                    case SENT, DELIVERED -> {
                        String status = outcome.kind() == SendOutcome.Kind.SENT ? "sent" : "delivered";
                        finish(
                                round,
                                p,
                                job.channel(),
                                job.channelIndex(),
                                status,
                                outcome.providerId(),
                                failures,
                                now);
                    }
                    case TRANSIENT -> {
                        int attempts = p.attempts() + 1;
                        if (attempts < config.delivery().maxAttempts()) {
                            Duration delay = backoff(attempts);
                            round.update(
                                    p.messageId(),
                                    "pending",
                                    job.channelIndex(),
                                    attempts,
                                    now.plus(delay),
                                    outcome.detail(),
                                    failures,
                                    now,
                                    null,
                                    null,
                                    null);
                            LOG.infof(
                                    "message %s to %s by %s: %s; attempt %d, next in %s",
                                    p.messageId(), p.userId(), job.channel(), outcome.detail(), attempts, delay);
                        } else {
                            failures.add(job.channel() + ": " + outcome.detail() + " (gave up after " + attempts
                                    + " attempts)");
                            next(round, p, job.channelIndex(), failures, now);
                        }
                    }
                    case REJECTED -> {
                        preferences.suppress(c, job.channel().wireName(), job.address(), outcome.detail(), now);
                        publish(round, p, job.channel(), "suppressed", outcome.detail(), now);
                        failures.add(job.channel() + ": " + outcome.detail());
                        next(round, p, job.channelIndex(), failures, now);
                    }
                    case PERMANENT -> {
                        failures.add(job.channel() + ": " + outcome.detail());
                        next(round, p, job.channelIndex(), failures, now);
                    }
                }
                round.flush();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Moves a failed message to its next channel, or fails it when there is none. */
    private void next(Round round, Pending p, int channelIndex, List<String> failures, Instant now)
            throws SQLException {
        if (channelIndex + 1 < p.channels().size()) {
            round.update(p.messageId(), "pending", channelIndex + 1, 0, now, null, failures, now, null, null, null);
            wake();
        } else {
            fail(round, p, failures, now);
        }
    }

    private void finish(
            Round round,
            Pending p,
            Channel channel,
            int index,
            String status,
            String providerId,
            List<String> failures,
            Instant now)
            throws SQLException {
        round.update(
                p.messageId(),
                status,
                index,
                p.attempts() + 1,
                null,
                null,
                failures,
                now,
                channel.wireName(),
                providerId,
                null);
        publish(
                round,
                p,
                channel,
                status,
                failures.isEmpty() ? null : "by fallback after " + String.join("; ", failures),
                now);
        meters.counter("onramp.dispatch.deliveries", "channel", channel.wireName(), "status", status)
                .increment();
    }

    private void fail(Round round, Pending p, List<String> failures, Instant now) throws SQLException {
        String detail = failures.isEmpty() ? "no channel to send by" : String.join("; ", failures);
        round.update(
                p.messageId(),
                "failed",
                p.channelIndex(),
                p.attempts() + 1,
                null,
                detail,
                failures,
                now,
                null,
                null,
                null);
        Channel channel = Channel.of(p.request().get("channel").asText()).orElse(Channel.IN_APP);
        publish(round, p, channel, "failed", detail, now);
        round.events.deadLetter(
                config.topics().messageRequests(), p.userId(), p.request().toString(), detail, now);
        meters.counter("onramp.dispatch.deliveries", "channel", channel.wireName(), "status", "failed")
                .increment();
        LOG.warnf("message %s to %s failed: %s", p.messageId(), p.userId(), detail);
    }

    private void publish(Round round, Pending p, Channel channel, String status, String detail, Instant now)
            throws SQLException {
        round.events.publish(
                new DeliveryEvents.Event(
                        p.messageId(),
                        p.userId(),
                        text(p.request(), "journey"),
                        text(p.request(), "step"),
                        channel.wireName(),
                        status,
                        detail,
                        null),
                now);
    }

    /** Sends whose instance died mid-way (still 'sending' after the lease) are tried again. */
    private void recoverAbandonedSends() throws SQLException {
        long nowMillis = System.currentTimeMillis();
        if (nowMillis - lastRecovery < 10_000) {
            return;
        }
        lastRecovery = nowMillis;
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        UPDATE deliveries SET status = 'pending', next_attempt_at = ?,
                            last_error = 'a send was in progress when its instance stopped; trying again with the same ids'
                        WHERE status = 'sending' AND updated_at < ?""")) {
            ps.setObject(1, time(now));
            ps.setObject(2, time(now.minus(config.delivery().sendingLease())));
            int recovered = ps.executeUpdate();
            if (recovered > 0) {
                LOG.warnf(
                        "%d send(s) were in progress when an instance stopped; trying them again with the same message ids",
                        recovered);
                wake();
            }
        }
    }

    private String addressOf(Pending p, Channel channel) {
        JsonNode traits = p.request().get("user").get("traits");
        String address =
                switch (channel) {
                    case EMAIL -> traits == null ? null : text(traits, "email");
                    case SMS -> traits == null ? null : text(traits, "phone");
                    case IN_APP -> p.userId();
                    case WEBHOOK -> "webhook";
                };
        return address == null || address.isBlank() ? null : address.trim();
    }

    /** What a template can use. */
    private Map<String, Object> data(Pending p, Channel channel, Links.ForMessage messageLinks) {
        JsonNode user = p.request().get("user");
        Map<String, String> linkMap = new LinkedHashMap<>();
        linkMap.put("app", config.appUrl());
        linkMap.put("unsubscribe", messageLinks.unsubscribe());
        linkMap.put("preferences", messageLinks.preferences());
        return TemplateData.of(
                p.userId(),
                user.has("traits") && user.get("traits").isObject()
                        ? json.convertValue(user.get("traits"), MAP)
                        : Map.of(),
                p.request().has("context") && p.request().get("context").isObject()
                        ? json.convertValue(p.request().get("context"), MAP)
                        : Map.of(),
                text(p.request(), "journey"),
                text(p.request(), "step"),
                p.messageId(),
                channel,
                linkMap);
    }

    private Duration backoff(int attempts) {
        long base = config.delivery().firstRetry().toMillis() * (1L << Math.min(attempts - 1, 16));
        long capped = Math.min(base, Duration.ofHours(1).toMillis());
        // Full jitter in [capped/2, capped]: retries from many messages do not arrive together.
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static OffsetDateTime time(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
