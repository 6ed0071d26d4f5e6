package dev.onramp.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** How much CPU each process of a benchmark used between two looks: where the time went. */
final class CpuUse {

    private final Map<String, Long> pids;
    private final Map<String, Duration> last = new LinkedHashMap<>();
    private long lastNanos;
    private double[] lastMachine;

    CpuUse(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
        sinceLast();
    }

    /**
     * "event-ingest 95%, kafka 60%, everything else 40%" since the previous call; 100% is one core. Everything else
     * is the machine's busy time (from /proc/stat, where there is one) less the processes named: the load generator,
     * the kernel, whatever else runs.
     */
    String sinceLast() {
        long now = System.nanoTime();
        long elapsed = now - lastNanos;
        boolean first = lastNanos == 0;
        Map<String, Duration> used = used();
        double[] machine = machine();
        lastNanos = now;
        StringBuilder out = new StringBuilder();
        if (!first) {
            long named = 0;
            for (Map.Entry<String, Duration> e : used.entrySet()) {
                out.append(out.isEmpty() ? "" : ", ")
                        .append(e.getKey())
                        .append(' ')
                        .append(Math.round(100.0 * e.getValue().toNanos() / elapsed))
                        .append('%');
                named += e.getValue().toNanos();
            }
            if (machine != null && lastMachine != null && machine[1] > lastMachine[1]) {
                double busyShare = (machine[0] - lastMachine[0]) / (machine[1] - lastMachine[1]);
                double busyCores = busyShare * Runtime.getRuntime().availableProcessors();
                long rest = Math.round(100 * busyCores - 100.0 * named / elapsed);
                out.append(", everything else ").append(Math.max(0, rest)).append('%');
            }
        }
        lastMachine = machine;
        return out.toString();
    }

    /** The machine's busy and total CPU ticks so far, over all cores; null where /proc/stat cannot be read. */
    private static double[] machine() {
        try {
            String[] cpu = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))
                    .getFirst()
                    .trim()
                    .split("\\s+");
            double total = 0;
            for (int i = 1; i < cpu.length; i++) {
                total += Double.parseDouble(cpu[i]);
            }
            // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
            double idle = Double.parseDouble(cpu[4]) + Double.parseDouble(cpu[5]);
            return new double[] {total - idle, total};
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
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
