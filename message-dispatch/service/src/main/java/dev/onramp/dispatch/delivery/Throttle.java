package dev.onramp.dispatch.delivery;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A provider's limits: sends in flight at once (a pool of that many threads), sends per second (a token bucket), and
 * sends started whose outcomes are not yet recorded (twice the concurrency: a send thread may go on to its next send
 * while the recorder writes the last one's outcome, but no further). The last bounds what a crash sends again: a send
 * whose outcome was not recorded is sent again after its lease.
 */
final class Throttle {

    private final ExecutorService pool;
    private final Semaphore unrecorded;
    private final double ratePerSecond;
    private double tokens;
    private long last = System.nanoTime();

    Throttle(String name, int concurrency, double ratePerSecond) {
        this.pool = Executors.newFixedThreadPool(
                Math.max(1, concurrency),
                Thread.ofPlatform().name(name + "-", 0).factory());
        this.unrecorded = new Semaphore(2 * Math.max(1, concurrency));
        this.ratePerSecond = ratePerSecond;
        this.tokens = Math.max(1, ratePerSecond);
    }

    ExecutorService pool() {
        return pool;
    }

    /** Waits until the rate allows one more send. */
    void acquire() throws InterruptedException {
        if (ratePerSecond <= 0) {
            return;
        }
        while (true) {
            long waitNanos;
            synchronized (this) {
                long now = System.nanoTime();
                tokens = Math.min(Math.max(1, ratePerSecond), tokens + (now - last) / 1e9 * ratePerSecond);
                last = now;
                if (tokens >= 1) {
                    tokens -= 1;
                    return;
                }
                waitNanos = (long) ((1 - tokens) / ratePerSecond * 1e9);
            }
            Thread.sleep(java.time.Duration.ofNanos(Math.max(100_000, waitNanos)));
        }
    }

    /**
     * Waits until fewer than twice the concurrency of this provider's sends wait for their outcomes to be recorded;
     * false if {@code running} turned false first.
     */
    boolean awaitRecorder(BooleanSupplier running) throws InterruptedException {
        while (running.getAsBoolean()) {
            if (unrecorded.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a send thread waits for the recorder: then lingering for more outcomes only slows the sends. */
    boolean awaitsRecorder() {
        return unrecorded.hasQueuedThreads();
    }

    /** A send's outcome was recorded (or the send did not happen): one more may start. */
    void recorded() {
        unrecorded.release();
    }

    /** Lets the sends in progress finish, for up to {@code grace}; those not started are dropped. */
    void close(java.time.Duration grace) {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }
}
