package dev.onramp.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.InstantSource;

/** The one source of time; tests may replace it. */
public class Clocks {

    @Produces
    @ApplicationScoped
    InstantSource clock() {
        return InstantSource.system();
    }
}
