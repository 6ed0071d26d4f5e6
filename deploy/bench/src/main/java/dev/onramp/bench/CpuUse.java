package dev.onramp.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** How much CPU each process of a benchmark used between two looks: where the time went. */
final class CpuUse {

    private final Map<String, Long> pids;
    private final Map<String, Duration> last = new LinkedHashMap<>();
    private long lastNanos;

    CpuUse(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
        sinceLast();
    }

    /** "event-ingest 95%, kafka 60%" since the previous call; 100% is one core. */
    String sinceLast() {
        long now = System.nanoTime();
        long elapsed = now - lastNanos;
        boolean first = lastNanos == 0;
        Map<String, Duration> used = used();
        lastNanos = now;
        StringBuilder out = new StringBuilder();
        if (!first) {
            used.forEach((name, cpu) -> out.append(out.isEmpty() ? "" : ", ")
                    .append(name)
                    .append(' ')
                    .append(Math.round(100.0 * cpu.toNanos() / elapsed))
                    .append('%'));
        }
        return out.toString();
    }

    /** CPU time each process used since the previous call (of either method). */
    Map<String, Duration> cpuSinceLast() {
        lastNanos = System.nanoTime();
        return used();
    }

    private Map<String, Duration> used() {
        Map<String, Duration> used = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            // A process and its children: PostgreSQL works in one process per connection. This JVM's children are the
            // processes measured, so it counts alone.
            boolean self = pid == ProcessHandle.current().pid();
            Duration total = ProcessHandle.of(pid)
                    .map(p -> java.util.stream.Stream.concat(
                                    java.util.stream.Stream.of(p),
                                    self ? java.util.stream.Stream.<ProcessHandle>empty() : p.descendants())
                            .map(h -> h.info().totalCpuDuration().orElse(Duration.ZERO))
                            .reduce(Duration.ZERO, Duration::plus))
                    .orElse(Duration.ZERO);
            Duration previous = last.put(name, total);
            if (previous != null) {
                used.put(name, total.minus(previous));
            }
        });
        return used;
    }
}
