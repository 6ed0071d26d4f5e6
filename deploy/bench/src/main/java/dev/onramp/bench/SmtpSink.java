package dev.onramp.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postfix's {@code smtp-sink}: an SMTP server in C that accepts every message and keeps none, fast enough that a
 * sender's own cost shows. Found on the PATH or in {@code /usr/sbin}; otherwise Debian's postfix package is fetched
 * and unpacked under the temporary directory (nothing installed, no mail daemon started). Counts the messages it
 * received from its {@code -c} counters.
 */
final class SmtpSink implements AutoCloseable {

    private static final Pattern MESSAGES = Pattern.compile("mesg=(\\d+)");

    private final Process process;
    private final int port;
    private final AtomicLong received = new AtomicLong();

    private SmtpSink(Process process, int port) {
        this.process = process;
        this.port = port;
        Thread.ofPlatform().daemon().name("smtp-sink-counters").start(this::readCounters);
    }

    /** The sink on this port, or null (with the reason printed) when it cannot be had on this machine. */
    static SmtpSink start(int port) throws Exception {
        Path binary = locate();
        if (binary == null) {
            return null;
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-c"));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-u", "nobody"));
        }
        command.addAll(List.of("127.0.0.1:" + port, "256"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Path libraries = binary.getParent().getParent().resolve("lib/postfix");
        if (Files.isDirectory(libraries)) {
            builder.environment().put("LD_LIBRARY_PATH", libraries.toString());
        }
        SmtpSink sink = new SmtpSink(builder.start(), port);
        awaitPort(port, java.time.Duration.ofSeconds(10));
        if (!sink.process.isAlive()) {
            System.out.println("smtp-sink did not start (exit " + sink.process.exitValue() + ")");
            return null;
        }
        return sink;
    }

    int port() {
        return port;
    }

    /** Messages received so far. */
    long received() {
        return received.get();
    }

    long pid() {
        return process.pid();
    }

    private void readCounters() {
        // The counters are rewritten in place: carriage returns between them, no line ends.
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
            StringBuilder chunk = new StringBuilder();
            int ch;
            while ((ch = in.read()) >= 0) {
                if (ch == '\r' || ch == '\n') {
                    Matcher m = MESSAGES.matcher(chunk);
                    if (m.find()) {
                        received.set(Long.parseLong(m.group(1)));
                    }
                    chunk.setLength(0);
                } else {
                    chunk.append((char) ch);
                }
            }
        } catch (IOException e) {
            // the sink stopped
        }
    }

    private static Path locate() throws Exception {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "smtp-sink");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path unpacked = Path.of(System.getProperty("java.io.tmpdir"), "onramp-bench-postfix");
        Path binary = unpacked.resolve("usr/sbin/smtp-sink");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        System.out.println("fetching Debian's postfix package for its smtp-sink (unpacked in " + unpacked + ")…");
        Files.createDirectories(unpacked);
        if (!run(unpacked, "apt-get", "download", "postfix")) {
            System.out.println("could not fetch the postfix package (apt-get download postfix): no smtp-sink leg");
            return null;
        }
        try (var debs = Files.list(unpacked)) {
            Path deb = debs.filter(p -> p.getFileName().toString().endsWith(".deb"))
                    .findFirst()
                    .orElse(null);
            if (deb == null || !run(unpacked, "dpkg-deb", "-x", deb.toString(), unpacked.toString())) {
                System.out.println("could not unpack the postfix package: no smtp-sink leg");
                return null;
            }
        }
        return Files.isExecutable(binary) ? binary : null;
    }

    private static boolean run(Path dir, String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }

    private static void awaitPort(int port, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
    }
}
