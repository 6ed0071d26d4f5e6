package dev.onramp.pipeline;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/** Work that may happen only once the current transaction has committed, and not at all if it rolls back. */
public final class AfterCommit {

    private AfterCommit() {}

    /** A synchronization that runs {@code work} after a commit; one instance may be registered again and again. */
    public static Synchronization of(Runnable work) {
        return new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    work.run();
                }
            }
        };
    }

    /** Runs {@code work} once the transaction under way commits. */
    public static void run(TransactionSynchronizationRegistry transactions, Runnable work) {
        transactions.registerInterposedSynchronization(of(work));
    }
}
