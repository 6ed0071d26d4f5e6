package dev.onramp.pipeline;

import java.util.List;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Runs many items as one unit of work and keeps one bad item from stopping the others. When the work fails because of
 * the data, the items are split in halves, each tried on its own, and so on until the one at fault is found: that one
 * is parked (a dead-letter record, a parked timer) with the reason, everything else is applied. When it fails because
 * of the infrastructure, nothing is split or parked: the same work waits, stalled, and is tried again with a growing
 * back-off until it succeeds or the service stops.
 *
 * @param <T> an item: a record, a user with a due timer
 */
public final class Isolation<T> {

    private static final Logger LOG = Logger.getLogger(Isolation.class);
    private static final long MAX_BACKOFF_MS = 10_000;

    /** One unit of work over some items: all of it takes effect, or none. */
    @FunctionalInterface
    public interface Work<T> {
        void apply(List<T> items) throws Exception;
    }

    /** Puts one item aside, with why, so that it is never tried again and everything after it goes on. */
    @FunctionalInterface
    public interface Parking<T> {
        void park(T item, Throwable why) throws Exception;
    }

    /** The service is stopping: the work was not done and will be done again after the restart. */
    public static final class Stopped extends RuntimeException {
        public Stopped(String what) {
            super(what + " stopped before its work was done", null, false, false);
        }
    }

    private final String name;
    private final Stalls stalls;
    private final BooleanSupplier infrastructureUp;
    private final BooleanSupplier running;

    /**
     * @param infrastructureUp whether what the work needs answers now: a failure while it does not is never the data's
     * @param running false once the service stops
     */
    public Isolation(String name, Stalls stalls, BooleanSupplier infrastructureUp, BooleanSupplier running) {
        this.name = name;
        this.stalls = stalls;
        this.infrastructureUp = infrastructureUp;
        this.running = running;
    }

    /**
     * Applies every item, parking those that cannot be applied.
     *
     * @return how many were parked
     */
    public int apply(List<T> items, Work<T> work, Parking<T> parking) throws InterruptedException {
        if (items.isEmpty()) {
            return 0;
        }
        Throwable failure = attempt(() -> work.apply(items));
        if (failure == null) {
            return 0;
        }
        if (items.size() == 1) {
            T item = items.getFirst();
            LOG.debugf("%s: parking one item after %s", name, failure);
            Throwable parkFailure = attempt(() -> parking.park(item, failure));
            if (parkFailure != null) {
                throw new IllegalStateException(
                        name + " could not park an item that cannot be applied: " + Failures.describe(parkFailure),
                        parkFailure);
            }
            return 1;
        }
        int half = items.size() / 2;
        return apply(items.subList(0, half), work, parking) + apply(items.subList(half, items.size()), work, parking);
    }

    @FunctionalInterface
    private interface Attempt {
        void run() throws Exception;
    }

    /** Runs the attempt until it succeeds (null) or fails because of the data (that failure). */
    private Throwable attempt(Attempt attempt) throws InterruptedException {
        long backoff = 0;
        while (true) {
            if (!running.getAsBoolean()) {
                throw new Stopped(name);
            }
            try {
                attempt.run();
                if (backoff > 0) {
                    stalls.resumed(name);
                }
                return null;
            } catch (Stopped | InterruptedException e) {
                throw e;
            } catch (Exception | StackOverflowError e) {
                if (!Failures.isTransient(e) && infrastructureUp.getAsBoolean()) {
                    if (backoff > 0) {
                        stalls.resumed(name);
                    }
                    return e;
                }
                backoff = backoff == 0 ? 100 : Math.min(backoff * 2, MAX_BACKOFF_MS);
                stalls.stalled(name, Failures.describe(e));
                Thread.sleep(backoff);
            }
        }
    }
}
