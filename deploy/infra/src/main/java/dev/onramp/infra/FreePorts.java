package dev.onramp.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on the loopback interface for the processes tests start, chosen below the kernel's ephemeral range.
 * A port from the ephemeral range (what binding port 0 gives) is free when handed out but may be taken, before the
 * service binds it, as the local end of any outgoing connection — a Kafka client's, PostgreSQL's — and the service
 * then fails to start ("port in use"; seen in CI). Below the range only a listener can take it. Each port is handed
 * out once per JVM.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    public static int find() {
        int below = ephemeralStart();
        if (below - LOWEST >= 1_000) {
            for (int attempt = 0; attempt < 500; attempt++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
                if (GIVEN.add(port) && available(port)) {
                    return port;
                }
            }
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                // The kernel gives a port just released again: never hand the same one out twice.
                if (GIVEN.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free port", e);
            }
        }
        throw new IllegalStateException("no free port that was not handed out already");
    }

    private static boolean available(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** The first port of the ephemeral range (Linux: ip_local_port_range; 32768 elsewhere, the usual default). */
    private static int ephemeralStart() {
        try {
            // Not Files.readString: a /proc file reports size 0, and that read returned only its first byte ("3").
            String range;
            try (var in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
                range = in.readLine().trim();
            }
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
