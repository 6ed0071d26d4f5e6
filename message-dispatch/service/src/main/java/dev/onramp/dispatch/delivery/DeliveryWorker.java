package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.send.Outgoing;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.dispatch.send.Sender;
import dev.onramp.pipeline.Failures;
import dev.onramp.pipeline.Isolation;
import dev.onramp.pipeline.Loop;
import dev.onramp.pipeline.Stalls;
import dev.onramp.templates.Channel;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Delivers pending messages. Each round claims due deliveries ({@code FOR UPDATE SKIP LOCKED}, so instances share the
 * work) and routes them ({@link DeliveryRounds}): in-app messages are stored in the inbox in that transaction;
 * messages for outside providers are queued for this instance and sent within each provider's concurrency and rate
 * limits. A send is owned by one instance: its lease starts when the provider is called, and its outcome is recorded
 * only while this instance still owns it, by one recorder thread, together with the outcomes of the sends that
 * finished with it (one commit). A round that fails because of one delivery is halved until that delivery is found,
 * and that one fails with the reason while the others go on.
 */
@ApplicationScoped
public class DeliveryWorker {

    private static final Logger LOG = Logger.getLogger(DeliveryWorker.class);

    private final DispatchConfig config;
    private final DeliveryRounds rounds;
    private final InstantSource clock;
    private final MeterRegistry meters;
    private final Map<Channel, Sender> senders = new EnumMap<>(Channel.class);
    private final Map<Channel, Throttle> throttles = new EnumMap<>(Channel.class);
    /** This instance, as the owner of its leases. */
    private final String owner = "dispatch-" + UUID.randomUUID();
    /** Deliveries queued here and not yet started: their leases are renewed while they wait. */
    private final Set<String> queued = ConcurrentHashMap.newKeySet();

    private final AtomicInteger inFlight = new AtomicInteger();
    private final Loop deliveries;
    private final Loop leases;
    private final Loop recorder;
    private final Isolation<String> isolation;
    private final Isolation<DeliveryRounds.Sent> outcomeIsolation;
    /** Outcomes of sends, recorded together by {@link #recorder}: sends finishing together share a commit. */
    private final BlockingQueue<DeliveryRounds.Sent> outcomes = new LinkedBlockingQueue<>();
    /** The outcomes the recorder is writing, kept while PostgreSQL is away; touched by its thread only. */
    private final List<DeliveryRounds.Sent> unrecorded = new ArrayList<>();

    private volatile boolean running = true;
    /** Whether the provider pools exist and sends may be submitted. */
    private volatile boolean started;

    DeliveryWorker(
            DispatchConfig config,
            DeliveryRounds rounds,
            InstantSource clock,
            Instance<Sender> senders,
            DataSource dataSource,
            Stalls stalls,
            MeterRegistry meters) {
        this.config = config;
        this.rounds = rounds;
        this.clock = clock;
        this.meters = meters;
        senders.forEach(sender -> this.senders.put(sender.channel(), sender));
        this.deliveries = new Loop("the deliveries", config.delivery().pollInterval(), stalls, this::deliverOnce);
        this.leases =
                new Loop("the delivery leases", config.delivery().queueLease().dividedBy(3), stalls, this::keepLeases);
        this.recorder = new Loop("the send outcomes", config.delivery().pollInterval(), stalls, this::recordOutcomes);
        this.isolation = new Isolation<>("the deliveries", stalls, () -> Failures.reachable(dataSource), () -> running);
        this.outcomeIsolation =
                new Isolation<>("the send outcomes", stalls, () -> Failures.reachable(dataSource), () -> running);
    }

    void start(@Observes @Priority(2000) StartupEvent ignored) {
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
        started = true;
        recorder.start();
        deliveries.start();
        leases.start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        deliveries.stop(Duration.ofSeconds(10));
        leases.stop(Duration.ofSeconds(5));
        throttles.values().forEach(t -> t.close(Duration.ofSeconds(10)));
        recorder.stop(Duration.ofSeconds(10));
        recordLast();
        try {
            int released = rounds.release(owner, clock.instant());
            if (released > 0) {
                LOG.infof("handed back %d queued delivery(ies) for another instance or the next start", released);
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not hand back the queued deliveries (their leases will run out): %s", e.toString());
        }
    }

    /** This instance, as the owner of the sends it queues. */
    String owner() {
        return owner;
    }

    /** Whether sends may be queued here now: started and not stopping. */
    boolean accepting() {
        return started && running;
    }

    /**
     * Whether deliveries for outside providers may be claimed now: while enough of their sends wait here, only in-app
     * messages are, so that the inbox never waits behind a slow mail server.
     */
    boolean roomForExternal() {
        return inFlight.get() < config.delivery().batchSize();
    }

    /** New requests were stored: deliver them now rather than at the next poll. */
    public void wake() {
        deliveries.wake();
    }

    /** One round; more to do when it claimed a full batch. */
    Loop.Next deliverOnce() throws Exception {
        Instant now = clock.instant();
        int limit = config.delivery().batchSize();
        boolean external = roomForExternal();
        List<String> claimed = new ArrayList<>();
        List<Job> jobs = new ArrayList<>();
        try {
            jobs.addAll(rounds.deliverDue(now, limit, external, owner, claimed));
        } catch (Exception e) {
            if (claimed.isEmpty() || Failures.isTransient(e)) {
                throw e;
            }
            isolation.apply(
                    List.copyOf(claimed),
                    ids -> jobs.addAll(rounds.deliver(ids, now, owner)),
                    (id, why) -> rounds.fail(id, why, now));
        }
        jobs.forEach(this::submit);
        return claimed.size() >= limit ? Loop.Next.AGAIN : Loop.Next.IDLE;
    }

    /** Renews the leases of what waits here; frees what waited elsewhere and whose instance died. */
    Loop.Next keepLeases() {
        int recovered = rounds.keepLeases(owner, Set.copyOf(queued), clock.instant());
        if (recovered > 0) {
            LOG.warnf(
                    "%d delivery(ies) were queued or being sent by an instance that stopped; trying them again with the"
                            + " same message ids",
                    recovered);
            deliveries.wake();
        }
        return Loop.Next.IDLE;
    }

    /** Queues a send claimed for this instance (its delivery committed as queued under this instance's lease). */
    void submit(Job job) {
        Throttle throttle = throttles.get(job.route().channel());
        queued.add(job.messageId());
        inFlight.incrementAndGet();
        try {
            throttle.pool().execute(() -> {
                try {
                    execute(job, throttle);
                } finally {
                    queued.remove(job.messageId());
                    inFlight.decrementAndGet();
                }
            });
        } catch (RuntimeException rejected) {
            // Stopping: the delivery stays queued under this instance's lease, handed back or recovered.
            queued.remove(job.messageId());
            inFlight.decrementAndGet();
        }
    }

    /**
     * Waits for the provider's rate, takes the send (its lease starts now), sends, and hands the outcome to the
     * recorder.
     */
    private void execute(Job job, Throttle throttle) {
        try {
            throttle.acquire();
            if (!throttle.awaitRecorder(() -> running)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        boolean handedOver = false;
        try {
            Instant start = clock.instant();
            if (!running || !rounds.start(job.messageId(), owner, start)) {
                meters.counter("onramp.dispatch.leases.lost", "at", "start").increment();
                LOG.infof("message %s is no longer this instance's to send; skipped", job.messageId());
                return;
            }
            queued.remove(job.messageId());
            outcomes.add(new DeliveryRounds.Sent(job, send(job, start)));
            handedOver = true;
            recorder.wake();
        } catch (java.sql.SQLException | RuntimeException e) {
            // The start could not be recorded (PostgreSQL away): nothing was sent; the lease runs out and the delivery
            // is taken again.
            LOG.warnf("could not start sending message %s: %s", job.messageId(), Failures.describe(e));
        } finally {
            if (!handedOver) {
                throttle.recorded();
            }
        }
    }

    private SendOutcome send(Job job, Instant now) {
        Sender sender = senders.get(job.route().channel());
        if (sender == null) {
            return SendOutcome.permanent("no sender for " + job.route().channel());
        }
        try {
            return sender.send(new Outgoing(
                    job.messageId(),
                    job.route().address(),
                    job.route().rendered(),
                    job.route().unsubscribe(),
                    job.request().sender(),
                    now,
                    job.request().replies() || job.request().conversation() != null));
        } catch (RuntimeException | StackOverflowError e) {
            return SendOutcome.permanent("the " + job.route().channel() + " sender failed: " + Failures.describe(e));
        }
    }

    /**
     * Records the outcomes waiting, together. While PostgreSQL is away they wait (the loop stalls and tries again); an
     * outcome that cannot be written is found by halving and ends its delivery failed with the reason. If this
     * instance dies first, a send whose outcome was not recorded is sent again by whoever takes it after its lease:
     * the same message id and Message-ID, so receivers can tell.
     */
    Loop.Next recordOutcomes() throws Exception {
        if (unrecorded.isEmpty()) {
            int limit = config.delivery().batchSize();
            if (!outcomes.isEmpty()) {
                // The send threads go on meanwhile (up to their throttle's bound of unrecorded sends): a moment more
                // lets the sends finishing now share a commit, unless a send thread already waits for this one.
                long deadline =
                        System.nanoTime() + config.delivery().outcomeLinger().toNanos();
                while (outcomes.size() < limit
                        && System.nanoTime() < deadline
                        && throttles.values().stream().noneMatch(Throttle::awaitsRecorder)) {
                    Thread.sleep(1);
                }
            }
            outcomes.drainTo(unrecorded, limit);
        }
        if (unrecorded.isEmpty()) {
            return Loop.Next.IDLE;
        }
        Instant now = clock.instant();
        try {
            recorded(rounds.record(unrecorded, owner, now));
        } catch (Exception e) {
            if (Failures.isTransient(e)) {
                throw e;
            }
            outcomeIsolation.apply(
                    List.copyOf(unrecorded),
                    part -> recorded(rounds.record(part, owner, now)),
                    (sent, why) -> rounds.abandon(sent, why, owner, now));
        }
        releaseRecorded();
        return outcomes.isEmpty() ? Loop.Next.IDLE : Loop.Next.AGAIN;
    }

    /** The outcomes written are off the send threads' account: as many sends may start again. */
    private void releaseRecorded() {
        for (DeliveryRounds.Sent sent : unrecorded) {
            Throttle throttle = throttles.get(sent.job().route().channel());
            if (throttle != null) {
                throttle.recorded();
            }
        }
        unrecorded.clear();
    }

    private void recorded(DeliveryRounds.Recorded recorded) {
        for (String messageId : recorded.notOwned()) {
            meters.counter("onramp.dispatch.leases.lost", "at", "completion").increment();
            LOG.warnf("message %s was sent but its lease had run out and another instance took it", messageId);
        }
        if (recorded.dueNow()) {
            deliveries.wake();
        }
    }

    /** Stopping: records what the last sends left, once; what cannot be recorded now is sent again after its lease. */
    private void recordLast() {
        unrecorded.addAll(outcomes);
        outcomes.clear();
        if (unrecorded.isEmpty()) {
            return;
        }
        try {
            recorded(rounds.record(unrecorded, owner, clock.instant()));
        } catch (Exception e) {
            LOG.errorf(
                    "could not record the outcomes of %d send(s) while stopping (%s); they will be sent again after"
                            + " their leases",
                    unrecorded.size(), Failures.describe(e));
        }
        releaseRecorded();
    }
}
