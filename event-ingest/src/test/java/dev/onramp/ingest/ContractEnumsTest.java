package dev.onramp.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.infra.Contracts;
import dev.onramp.ingest.tracking.EventType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The call types event-ingest accepts are exactly those its contract allows. */
class ContractEnumsTest {

    @Test
    void eventTypesAreTheContractsTypes() {
        assertThat(Arrays.stream(EventType.values()).map(EventType::wireName))
                .containsExactlyElementsOf(Contracts.enumAt(Contracts.EVENTS, "/properties/type/enum"));
    }
}
