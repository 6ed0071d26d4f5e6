package dev.onramp.dispatch.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.inapp.Inbox;
import dev.onramp.dispatch.ledger.Deliveries;
import dev.onramp.dispatch.ledger.Delivery;
import dev.onramp.dispatch.ledger.DeliveryRequest;
import dev.onramp.dispatch.ledger.DeliveryStatus;
import dev.onramp.dispatch.outbox.DeliveryEvent;
import dev.onramp.dispatch.outbox.Outbox;
import dev.onramp.dispatch.preferences.Preferences;
import dev.onramp.dispatch.preferences.Unsubscription;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.pipeline.Failures;
import dev.onramp.pipeline.Storable;
import dev.onramp.templates.Channel;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The transactions of delivering: a round that claims due deliveries and routes each (in-app ones stored at once,
 * outside ones queued for this instance), the start of a send (its lease), the outcome of a send, and the failure of
 * a delivery that cannot be prepared. Each outcome is committed with the delivery event that reports it.
 */
@ApplicationScoped
public class DeliveryRounds {

    private static final Logger LOG = Logger.getLogger(DeliveryRounds.class);

    private final DispatchConfig config;
    private final Deliveries deliveries;
    private final Routing routing;
    private final RetryPolicy retries;
    private final Inbox inbox;
    private final Preferences preferences;
    private final Outbox outbox;
    private final ObjectMapper json;
    private final MeterRegistry meters;

    DeliveryRounds(
            DispatchConfig config,
            Deliveries deliveries,
            Routing routing,
            RetryPolicy retries,
            Inbox inbox,
            Preferences preferences,
            Outbox outbox,
            ObjectMapper json,
            MeterRegistry meters) {
        this.config = config;
        this.deliveries = deliveries;
        this.routing = routing;
        this.retries = retries;
        this.inbox = inbox;
        this.preferences = preferences;
        this.outbox = outbox;
        this.json = json;
        this.meters = meters;
    }

    /**
     * Claims up to {@code limit} due deliveries and routes them.
     *
     * @param claimed filled with the ids claimed, so that a caller whose transaction failed knows what to isolate
     * @return the sends queued for this instance
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public List<Job> deliverDue(Instant now, int limit, boolean external, String owner, List<String> claimed)
            throws SQLException {
        List<Delivery> due = deliveries.claimDue(now, limit, external);
        due.forEach(d -> claimed.add(d.messageId));
        return prepare(due, now, owner);
    }

    /** Routes these deliveries, those still pending that no other transaction holds. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public List<Job> deliver(List<String> messageIds, Instant now, String owner) throws SQLException {
        return prepare(deliveries.claim(messageIds), now, owner);
    }

    /**
     * Routes these deliveries, stored by the caller's transaction and due now, in that transaction: a message request
     * becomes an in-app message with one commit (or a send queued for this instance). The requests as the consumer
     * read them are used as they are, not parsed again from the rows just written.
     */
    @Transactional(value = Transactional.TxType.MANDATORY, rollbackOn = Exception.class)
    public List<Job> deliverStored(List<DeliveryRequest> stored, Instant now, boolean external, String owner)
            throws SQLException {
        if (stored.isEmpty()) {
            return List.of();
        }
        Map<String, DeliveryRequest> read = new HashMap<>();
        stored.forEach(r -> read.putIfAbsent(r.messageId(), r));
        return prepare(deliveries.claimDue(List.copyOf(read.keySet()), now, external), now, owner, read);
    }

    private List<Job> prepare(List<Delivery> due, Instant now, String owner) throws SQLException {
        return prepare(due, now, owner, Map.of());
    }

    /** @param read requests already read, by message id; the others are read from their stored copy */
    private List<Job> prepare(List<Delivery> due, Instant now, String owner, Map<String, DeliveryRequest> read)
            throws SQLException {
        if (due.isEmpty()) {
            return List.of();
        }
        Map<Delivery, DeliveryRequest> requests = new LinkedHashMap<>();
        for (Delivery d : due) {
            DeliveryRequest known = read.get(d.messageId);
            if (known != null) {
                requests.put(d, known);
                continue;
            }
            try {
                requests.put(d, DeliveryRequest.of(d.request, json));
            } catch (DeliveryRequest.Invalid e) {
                throw new IllegalStateException(
                        "delivery " + d.messageId + " holds no valid request: " + e.getMessage());
            }
        }
        Blocks blocks = new Blocks(requests.values());
        Outbox.Writer events = outbox.writer();
        Inbox.Writer inboxes = inbox.writer();
        List<Job> jobs = new ArrayList<>();
        Instant leaseUntil = now.plus(config.delivery().queueLease());
        for (var entry : requests.entrySet()) {
            Delivery d = entry.getKey();
            DeliveryRequest request = entry.getValue();
            Routing.Route route = routing.route(request, d.channelIndex, blocks::blocked);
            DeliveryTransitions.Step step =
                    DeliveryTransitions.routed(DeliveryState.of(d), request.channels(), route, owner, leaseUntil);
            if (route instanceof Routing.StoreInApp inApp) {
                inboxes.store(request, inApp.rendered(), now);
            }
            apply(d, request, step, events, now);
            if (route instanceof Routing.Send send) {
                jobs.add(new Job(request, d.request, send, step.state().failures(), d.attempts));
            }
        }
        deliveries.write(due);
        inboxes.flush();
        events.flush();
        return jobs;
    }

    /**
     * Starts a send: the queued delivery becomes this instance's send in progress, its lease starting now. One
     * statement, committed by itself.
     *
     * @return false if it is no longer this instance's to send
     */
    public boolean start(String messageId, String owner, Instant now) throws SQLException {
        return deliveries.startSending(
                messageId, owner, now, now.plus(config.delivery().sendingLease()));
    }

    /** A send that went out (or did not), its outcome to be recorded. */
    record Sent(Job job, SendOutcome outcome) {
        String messageId() {
            return job.messageId();
        }
    }

    /**
     * What recording some outcomes did.
     *
     * @param notOwned the sends this instance owned no more (their leases ran out and another instance took them)
     * @param dueNow whether a delivery is due again at once (on its next channel)
     */
    record Recorded(List<String> notOwned, boolean dueNow) {}

    /**
     * Records how some sends went, those this instance still owns, each with the delivery event that reports it: one
     * transaction for them all, so that sends finishing together share a commit.
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public Recorded record(List<Sent> sends, String owner, Instant now) throws SQLException {
        Map<String, Delivery> owned =
                deliveries.ownedSends(sends.stream().map(Sent::messageId).toList(), owner);
        Outbox.Writer events = outbox.writer();
        List<Delivery> changed = new ArrayList<>(sends.size());
        List<String> notOwned = new ArrayList<>();
        boolean dueNow = false;
        for (Sent sent : sends) {
            Delivery d = owned.get(sent.messageId());
            if (d == null) {
                notOwned.add(sent.messageId());
                continue;
            }
            dueNow |= record(d, sent.job(), sent.outcome(), events, now);
            changed.add(d);
        }
        deliveries.write(changed);
        events.flush();
        return new Recorded(notOwned, dueNow);
    }

    /** What a send's outcome makes of its delivery; true if it is due again at once (its next channel). */
    private boolean record(Delivery d, Job job, SendOutcome outcome, Outbox.Writer events, Instant now) {
        d.request = job.stored(); // the owned-sends query does not read it back; the dead-letter topic needs it
        DeliveryTransitions.Step step = DeliveryTransitions.sent(
                DeliveryState.of(d),
                job.request().channels(),
                job.route(),
                job.failures(),
                outcome,
                retries::retryAfter,
                now);
        if (step.retryIn() != null) {
            LOG.infof(
                    "message %s to %s by %s: %s; attempt %d, next in %s",
                    d.messageId,
                    d.userId,
                    job.route().channel(),
                    outcome.detail(),
                    step.state().attempts(),
                    step.retryIn());
        }
        if (step.suppress() != null) {
            DeliveryTransitions.Suppression suppress = step.suppress();
            preferences.suppress(suppress.channel().wireName(), suppress.address(), suppress.reason(), now);
        }
        apply(d, job.request(), step, events, now);
        return step.dueNow();
    }

    /**
     * Ends a send whose outcome cannot be written (isolated from the others recorded with it): failed with why, not
     * left in {@code sending} to be sent again when its lease runs out.
     */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void abandon(Sent sent, Throwable why, String owner, Instant now) {
        String reason = "the outcome of the send (" + sent.outcome().kind() + ") could not be recorded: "
                + Failures.describe(why);
        if (deliveries.abandonSend(sent.messageId(), owner, Storable.text(reason, 4_000), now)) {
            meters.counter("onramp.dispatch.parked", "stage", "outcomes", "reason", Failures.category(why))
                    .increment();
            LOG.errorf("message %s: %s", sent.messageId(), reason);
        }
    }

    /** Fails a delivery that cannot be prepared at all (isolated from its round): reported, and dead-lettered. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public void fail(String messageId, Throwable why, Instant now) throws SQLException {
        Delivery d = deliveries.findById(messageId, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
        if (d == null || d.status != DeliveryStatus.PENDING) {
            return;
        }
        Outbox.Writer events = outbox.writer();
        DeliveryRequest request;
        try {
            request = DeliveryRequest.of(d.request, json);
        } catch (DeliveryRequest.Invalid | RuntimeException e) {
            request = null;
        }
        DeliveryTransitions.Step step = DeliveryTransitions.unpreparable(
                DeliveryState.of(d), request == null ? null : request.channels(), Failures.describe(why));
        apply(d, request, step, events, now);
        events.flush();
        meters.counter("onramp.dispatch.parked", "stage", "deliveries", "reason", Failures.category(why))
                .increment();
        LOG.warnf("message %s to %s cannot be prepared and failed: %s", d.messageId, d.userId, Failures.describe(why));
    }

    /** Releases what this instance still has queued, for others to take: it is stopping. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public int release(String owner, Instant now) {
        return deliveries.release(owner, now);
    }

    /** Renews the leases of this instance's queued deliveries and frees those whose instance died. */
    @Transactional(value = Transactional.TxType.REQUIRES_NEW, rollbackOn = Exception.class)
    public int keepLeases(String owner, Collection<String> queued, Instant now) {
        if (!queued.isEmpty()) {
            deliveries.renew(
                    owner, List.copyOf(queued), now.plus(config.delivery().queueLease()));
        }
        return deliveries.recoverExpired(now);
    }

    /**
     * Applies a transition to the row object and writes what it reports: its delivery events (counted when they end
     * a delivery), and the request on the dead-letter topic when it failed for good.
     *
     * @param request null only for a delivery whose stored request cannot be read: it reports nothing
     */
    private void apply(
            Delivery d, DeliveryRequest request, DeliveryTransitions.Step step, Outbox.Writer events, Instant now) {
        step.state().applyTo(d, now);
        for (DeliveryTransitions.Event event : step.events()) {
            events.publish(
                    new DeliveryEvent(
                            request.messageId(),
                            request.userId(),
                            request.journey(),
                            request.step(),
                            event.channel().wireName(),
                            event.status(),
                            event.detail(),
                            null,
                            event.cause(),
                            request.broadcast(),
                            null),
                    now);
            if (!event.status().equals("suppressed")) {
                meters.counter(
                                "onramp.dispatch.deliveries",
                                "channel",
                                event.channel().wireName(),
                                "status",
                                event.status())
                        .increment();
            }
        }
        if (step.deadLetter()) {
            deadLetter(events, d, d.lastError, now);
            if (request != null) {
                LOG.warnf("message %s to %s failed: %s", d.messageId, d.userId, d.lastError);
            }
        }
    }

    private void deadLetter(Outbox.Writer events, Delivery d, String reason, Instant now) {
        byte[] payload;
        try {
            payload = json.writeValueAsBytes(d.request);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            payload = String.valueOf(d.request).getBytes(StandardCharsets.UTF_8);
        }
        events.deadLetter(config.topics().messageRequests(), null, null, d.userId, payload, reason, now);
    }

    /** What blocks channels for a round's users and addresses, read for the whole round at once. */
    private final class Blocks {
        private final Map<String, List<Unsubscription>> unsubscriptions;
        private final Map<Channel, Map<String, String>> suppressed = new EnumMap<>(Channel.class);

        Blocks(Collection<DeliveryRequest> requests) {
            Set<String> users = new HashSet<>();
            Map<Channel, Set<String>> addresses = new EnumMap<>(Channel.class);
            for (DeliveryRequest r : requests) {
                users.add(r.userId());
                for (Channel channel : List.of(Channel.EMAIL, Channel.SMS)) {
                    String address = r.address(channel);
                    if (address != null) {
                        addresses.computeIfAbsent(channel, k -> new HashSet<>()).add(address);
                    }
                }
            }
            this.unsubscriptions = preferences.ofUsers(users);
            addresses.forEach(
                    (channel, set) -> suppressed.put(channel, preferences.suppressions(channel.wireName(), set)));
        }

        /** Why this request may not use this channel: an unsubscribe (unless it is a security notice), a suppression. */
        Routing.Blocked blocked(DeliveryRequest request, Channel channel, String address) {
            if (request.category().obeysUnsubscribes()) {
                String unsubscribed = Preferences.unsubscribed(
                        unsubscriptions.getOrDefault(request.userId(), List.of()),
                        request.journey(),
                        request.category(),
                        channel.wireName());
                if (unsubscribed != null) {
                    return new Routing.Blocked(unsubscribed, Routing.UNSUBSCRIBED);
                }
            }
            String reason = suppressed.getOrDefault(channel, Map.of()).get(Preferences.key(address));
            return reason == null ? null : new Routing.Blocked(address + " is suppressed: " + reason, Routing.ADDRESS);
        }
    }
}
