package dev.onramp.dispatch;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;

/** The one source of time: domain code gets an {@code InstantSource}, never {@code Instant.now()}. */
public class Clocks {

    @Produces
    @ApplicationScoped
    InstantSource clock() {
        // Whole milliseconds, like what PostgreSQL gives back.
        return Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));
    }
}
