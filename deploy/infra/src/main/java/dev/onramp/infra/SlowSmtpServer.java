package dev.onramp.infra;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An SMTP server that is slow and rate-limited, as a busy provider is: it takes {@code delay} to accept each message
 * and accepts at most {@code perSecond} messages a second across all connections, making senders wait. It keeps the
 * {@code Message-ID} of every message it accepted, so a test can count what arrived twice.
 */
public final class SlowSmtpServer implements AutoCloseable {

    private final ServerSocket socket;
    private final Duration delay;
    private final long nanosBetween;
    private long nextSlot = System.nanoTime();
    private final List<String> messageIds = new CopyOnWriteArrayList<>();

    public SlowSmtpServer(Duration delay, double perSecond) throws IOException {
        this.delay = delay;
        this.nanosBetween = (long) (1e9 / perSecond);
        this.socket = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("slow-smtp").start(this::accept);
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** The Message-ID of every message accepted, in order, repeats included. */
    public List<String> messageIds() {
        return List.copyOf(messageIds);
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                Thread.ofPlatform().daemon().name("slow-smtp-connection").start(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client;
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = client.getOutputStream()) {
            reply(out, "220 slow.localhost ESMTP");
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.toUpperCase(Locale.ROOT);
                if (command.startsWith("EHLO") || command.startsWith("HELO")) {
                    reply(out, "250-slow.localhost\r\n250-8BITMIME\r\n250 PIPELINING");
                } else if (command.startsWith("MAIL FROM") || command.startsWith("RCPT TO")) {
                    reply(out, "250 2.1.0 OK");
                } else if (command.equals("DATA")) {
                    reply(out, "354 go ahead");
                    String messageId = null;
                    boolean headers = true;
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        if (line.isEmpty()) {
                            headers = false;
                        } else if (headers && line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                            messageId = line.substring(11).trim();
                        }
                    }
                    waitForTurn();
                    messageIds.add(String.valueOf(messageId));
                    reply(out, "250 2.0.0 queued");
                } else if (command.equals("RSET") || command.equals("NOOP")) {
                    reply(out, "250 2.0.0 OK");
                } else if (command.equals("QUIT")) {
                    reply(out, "221 2.0.0 bye");
                    return;
                } else {
                    reply(out, "502 5.5.2 not implemented");
                }
            }
        } catch (IOException | RuntimeException | InterruptedException gone) {
            // the client went away
        }
    }

    /** Takes the next slot of the rate, then the per-message delay. */
    private void waitForTurn() throws InterruptedException {
        long slot;
        synchronized (this) {
            slot = Math.max(nextSlot, System.nanoTime());
            nextSlot = slot + nanosBetween;
        }
        long wait = slot - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait));
        }
        Thread.sleep(delay);
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
