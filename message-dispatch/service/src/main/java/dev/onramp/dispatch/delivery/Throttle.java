package dev.onramp.dispatch.delivery;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A provider's limits: sends in flight at once (a pool of that many threads) and sends per second (a token bucket).
 */
final class Throttle {

    private final ExecutorService pool;
    private final double ratePerSecond;
    private double tokens;
    private long last = System.nanoTime();

    Throttle(String name, int concurrency, double ratePerSecond) {
        this.pool = Executors.newFixedThreadPool(
                Math.max(1, concurrency),
                Thread.ofPlatform().name(name + "-", 0).factory());
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
