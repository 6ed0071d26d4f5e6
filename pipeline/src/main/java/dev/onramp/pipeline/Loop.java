package dev.onramp.pipeline;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The one way the services run background work (timers, deliveries, outbox relays, lease upkeep): a body run again
 * and again on a thread of its own — at once while it reports more to do, after {@code idle} or a {@link #wake()} when
 * it does not. A body that fails is tried again with a growing back-off (to 10 s), and the loop counts as stalled, so
 * readiness goes DOWN, until it succeeds again. Bodies isolate bad items themselves; what reaches the loop is the infrastructure failing.
 */
public final class Loop {

    private static final Logger LOG = Logger.getLogger(Loop.class);
    private static final long MAX_BACKOFF_MS = 10_000;

    /** What a body found: more work waiting, or none. */
    public enum Next {
        AGAIN,
        IDLE
    }

    @FunctionalInterface
    public interface Body {
        Next run() throws Exception;
    }

    private final String name;
    private final Duration idle;
    private final Body body;
    private final Stalls stalls;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    public Loop(String name, Duration idle, Stalls stalls, Body body) {
        this.name = name;
        this.idle = idle;
        this.body = body;
        this.stalls = stalls;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().name(name).start(this::run);
    }

    /** There is work now: run the body at once rather than after the idle pause. */
    public void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    public boolean running() {
        return running;
    }

    /** Lets the current round finish (or interrupts its wait) and stops. */
    public void stop(Duration grace) {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        wake.release();
        if (t == null) {
            return;
        }
        try {
            t.join(grace.toMillis());
            if (t.isAlive()) {
                t.interrupt();
                t.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long backoff = 0;
        while (running) {
            try {
                Next next = body.run();
                if (backoff > 0) {
                    stalls.resumed(name);
                    backoff = 0;
                }
                if (next == Next.IDLE && running) {
                    wake.tryAcquire(idle.toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                if (running) {
                    Thread.currentThread().interrupt();
                }
                return;
            } catch (Exception | Error e) {
                if (!running) {
                    return;
                }
                if (!Failures.isTransient(e)) {
                    LOG.errorf(e, "%s failed; trying again", name);
                }
                backoff = backoff == 0 ? 100 : Math.min(backoff * 2, MAX_BACKOFF_MS);
                stalls.stalled(name, Failures.describe(e));
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
