package dev.onramp.engine.progress;

import dev.onramp.pipeline.Offsets;
import dev.onramp.pipeline.SeekToStoredOffsets;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import javax.sql.DataSource;

/**
 * This service's consumer offsets, kept in its PostgreSQL, and the listener that moves the {@code engine-in} channel's
 * consumer to them on assignment (ADR 0005).
 */
@Singleton
@Identifier(StoredOffsets.NAME)
public class StoredOffsets extends SeekToStoredOffsets {

    /** The name {@code mp.messaging.incoming.engine-in.consumer-rebalance-listener.name} gives. */
    static final String NAME = "engine-offsets";

    StoredOffsets(Offsets offsets) {
        super(offsets);
    }

    @Produces
    @Singleton
    static Offsets offsets(DataSource dataSource) {
        return new Offsets(dataSource);
    }
}
