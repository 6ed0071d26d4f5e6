package dev.onramp.engine.progress;

import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.state.SeenMessages;
import dev.onramp.pipeline.Loop;
import dev.onramp.pipeline.Stalls;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Forgets the message ids seen before the dedupe window, a bounded number per transaction, so that
 * {@code seen_messages} holds about one window of events.
 */
@ApplicationScoped
public class DedupeWindow {

    private static final int PER_ROUND = 10_000;

    private final Duration window;
    private final SeenMessages seen;
    private final InstantSource clock;
    private final Loop loop;

    DedupeWindow(EngineConfig config, SeenMessages seen, InstantSource clock, Stalls stalls) {
        this.window = config.dedupe().window();
        this.seen = seen;
        this.clock = clock;
        this.loop = new Loop("the dedupe window", config.dedupe().sweepInterval(), stalls, this::forgetOnce);
    }

    void start(@Observes StartupEvent ignored) {
        if (!window.isZero()) {
            loop.start();
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        loop.stop(Duration.ofSeconds(5));
    }

    Loop.Next forgetOnce() throws Exception {
        int forgotten = seen.forget(clock.instant().minus(window), PER_ROUND);
        return forgotten >= PER_ROUND ? Loop.Next.AGAIN : Loop.Next.IDLE;
    }
}
