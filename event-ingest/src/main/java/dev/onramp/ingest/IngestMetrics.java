package dev.onramp.ingest;

import dev.onramp.pipeline.problem.ProblemMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What event-ingest counts: events accepted per source, calls rejected per reason (the problem type), and how long
 * Kafka takes to acknowledge.
 */
@ApplicationScoped
public class IngestMetrics implements ProblemMapper.Counter {

    private final MeterRegistry registry;
    private final Map<String, Counter> accepted = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Timer produce;
    private final Counter cleaned;

    IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.produce = Timer.builder("onramp.ingest.produce")
                .description("From the call's arrival to Kafka's acknowledgement of all its events")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.cleaned = Counter.builder("onramp.ingest.cleaned")
                .description("Strings of properties, traits or context that held a NUL character or an unpaired"
                        + " surrogate, each such character replaced by U+FFFD")
                .register(registry);
    }

    /** @param strings how many strings of an accepted event had to be cleaned */
    public void cleaned(int strings) {
        if (strings > 0) {
            cleaned.increment(strings);
        }
    }

    public void accepted(String source, int events) {
        accepted.computeIfAbsent(source, s -> Counter.builder("onramp.ingest.events")
                        .description("Events accepted: written to Kafka and acknowledged")
                        .tag("source", s)
                        .register(registry))
                .increment(events);
    }

    @Override
    public void refused(String slug) {
        rejected(slug);
    }

    /** @param reason the problem's type, such as invalid-event or rate-limited */
    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("onramp.ingest.rejected")
                        .description("Calls answered with a problem, by reason")
                        .tag("reason", r)
                        .register(registry))
                .increment();
    }

    public Timer produceTimer() {
        return produce;
    }
}
