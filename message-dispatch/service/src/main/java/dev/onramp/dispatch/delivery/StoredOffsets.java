package dev.onramp.dispatch.delivery;

import dev.onramp.pipeline.Offsets;
import dev.onramp.pipeline.SeekToStoredOffsets;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import javax.sql.DataSource;

/**
 * This service's consumer offsets, kept in its PostgreSQL, and the listener that moves the {@code dispatch-in} channel's
 * consumer to them on assignment (ADR 0005).
 */
@Singleton
@Identifier(StoredOffsets.NAME)
public class StoredOffsets extends SeekToStoredOffsets {

    /** The name {@code mp.messaging.incoming.dispatch-in.consumer-rebalance-listener.name} gives. */
    static final String NAME = "dispatch-offsets";

    StoredOffsets(Offsets offsets) {
        super(offsets);
    }

    @Produces
    @Singleton
    static Offsets offsets(DataSource dataSource) {
        return new Offsets(dataSource);
    }
}
