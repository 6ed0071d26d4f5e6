package dev.onramp.pipeline;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Set;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Tells a failure that lies with the infrastructure — PostgreSQL or Kafka away, a connection lost, a pool exhausted,
 * a serialisation conflict — from one that lies with the data being processed. The first kind is waited out and the
 * same work tried again; only the second kind ever parks a record, a timer or a delivery.
 */
public final class Failures {

    /** SQLSTATE classes and codes that say nothing about the data: connection, resources, shutdown, conflicts. */
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "40", "53", "55", "57", "58");

    private Failures() {}

    /**
     * Whether PostgreSQL answers now: what an {@link Isolation} asks before it takes a failure for the data's fault.
     */
    public static boolean reachable(javax.sql.DataSource dataSource) {
        try (java.sql.Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (Exception e) {
            return false;
        }
    }

    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state == null) {
                    // The pool's own failures (acquisition timeout, no connection) carry no SQLSTATE.
                    if (sql instanceof SQLTransientException || mentionsConnection(sql.getMessage())) {
                        return true;
                    }
                } else if (state.length() >= 2
                        && TRANSIENT_CLASSES.contains(state.substring(0, 2))
                        && !"57014".equals(state)) {
                    // 57014 is a statement that ran too long: that is the data's doing.
                    return true;
                }
            }
            if (t instanceof RetriableException
                    || t instanceof java.net.SocketException
                    || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.net.UnknownHostException) {
                return true;
            }
            if (t instanceof InterruptedException) {
                return true;
            }
            String name = t.getClass().getName();
            if (name.startsWith("jakarta.transaction.") || name.startsWith("com.arjuna.")) {
                // The transaction manager gave up (timeout, heuristic outcome): nothing the data did.
                return true;
            }
        }
        return false;
    }

    private static boolean mentionsConnection(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(java.util.Locale.ROOT);
        return m.contains("connection") || m.contains("acquisition timeout") || m.contains("datasource");
    }

    /**
     * A short, bounded name for what went wrong, for metrics: {@code sqlstate-22P05} when PostgreSQL refused the data,
     * otherwise the exception's simple class name.
     */
    public static String category(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return "sqlstate-" + sql.getSQLState();
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    /**
     * The failure as one line for a log or a dead-letter header: what PostgreSQL said and its SQLSTATE when it refused
     * something, else the exception's type and message; never a stack trace, never the statement.
     */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        String state = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && state == null && sql.getSQLState() != null) {
                state = sql.getSQLState();
            }
            root = t;
        }
        if (root instanceof SQLException sql && sql.getNextException() != null) {
            root = sql.getNextException();
        }
        String message =
                String.valueOf(root.getMessage()).replaceAll("\\s+", " ").trim();
        String text = state != null
                ? "PostgreSQL refused it (SQLSTATE " + state + "): " + message
                : root.getClass().getSimpleName() + ": " + message;
        return Storable.text(text, 1_000);
    }
}
