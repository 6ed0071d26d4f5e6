package dev.onramp.infra.quarkus;

import dev.onramp.infra.FreePorts;
import dev.onramp.infra.GreenMailSmtp;
import dev.onramp.infra.ReceivedMail;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An SMTP server of its own (GreenMail) that a test can stop and start again on the same port, to show what a service
 * does while its mail server is away. What it received before a stop is kept.
 */
public class RestartableSmtpResource implements QuarkusTestResourceLifecycleManager {

    private static int port;
    private static GreenMailSmtp server;
    private static final List<ReceivedMail> before = new ArrayList<>();

    @Override
    public synchronized Map<String, String> start() {
        port = FreePorts.find();
        server = GreenMailSmtp.start(port);
        return Map.of(
                "quarkus.mailer.mock", "false",
                "quarkus.mailer.host", "127.0.0.1",
                "quarkus.mailer.port", Integer.toString(port),
                "quarkus.mailer.tls", "false",
                "quarkus.mailer.start-tls", "DISABLED");
    }

    /** Stops the server: connections are refused until {@link #startServer()}. */
    public static synchronized void stopServer() {
        if (server != null) {
            before.addAll(server.allMails());
            server.close();
            server = null;
        }
    }

    public static synchronized void startServer() {
        if (server == null) {
            server = GreenMailSmtp.start(port);
        }
    }

    /** Every message received, across restarts. */
    public static synchronized List<ReceivedMail> allMails() {
        List<ReceivedMail> all = new ArrayList<>(before);
        if (server != null) {
            all.addAll(server.allMails());
        }
        return all;
    }

    @Override
    public synchronized void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
        before.clear();
    }
}
