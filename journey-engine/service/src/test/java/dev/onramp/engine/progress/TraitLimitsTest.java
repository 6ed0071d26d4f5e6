package dev.onramp.engine.progress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraitLimitsTest {

    private final ObjectMapper json = new ObjectMapper();
    private final TraitLimits limits = new TraitLimits(3, 100, 300);

    @Test
    void traitsWithinTheLimitsAreKeptAsTheyCame() {
        Map<String, Object> incoming = Map.of("plan", "pro", "seats", 4);

        var capped = limits.cap(Map.of("name", "Ada"), incoming, json);

        assertThat(capped.refused()).isEmpty();
        assertThat(capped.traits()).isEqualTo(incoming);
    }

    @Test
    void aValueTooLargeIsRefusedAndTheOthersKept() {
        Map<String, Object> incoming = new LinkedHashMap<>();
        incoming.put("essay", "x".repeat(200));
        incoming.put("plan", "pro");

        var capped = limits.cap(Map.of(), incoming, json);

        assertThat(capped.traits()).containsOnlyKeys("plan");
        assertThat(capped.refused())
                .singleElement()
                .asString()
                .startsWith("essay: its value has 202 bytes, over the limit of 100");
    }

    @Test
    void aNewTraitPastTheCountIsRefusedButAKnownOneMayChange() {
        Map<String, Object> current = Map.of("a", 1, "b", 2, "c", 3);
        Map<String, Object> incoming = new LinkedHashMap<>();
        incoming.put("c", 30);
        incoming.put("d", 4);

        var capped = limits.cap(current, incoming, json);

        assertThat(capped.traits()).isEqualTo(Map.of("c", 30));
        assertThat(capped.refused()).singleElement().asString().startsWith("d: the user has 3 traits already");
    }

    @Test
    void theWholeProfileIsBoundedToo() {
        Map<String, Object> current = Map.of("a", "y".repeat(95), "b", "z".repeat(95));
        Map<String, Object> incoming = Map.of("quote", "q".repeat(95));

        var capped = limits.cap(current, incoming, json);

        assertThat(capped.traits()).isEmpty();
        assertThat(capped.refused()).singleElement().asString().startsWith("quote: the user's traits would take");
    }

    @Test
    void removingATraitIsAlwaysAllowedAndMakesRoom() {
        Map<String, Object> current = Map.of("a", 1, "b", 2, "c", 3);
        Map<String, Object> incoming = new LinkedHashMap<>();
        incoming.put("a", null);
        incoming.put("d", 4);

        var capped = limits.cap(current, incoming, json);

        assertThat(capped.refused()).isEmpty();
        Map<String, Object> expected = new HashMap<>();
        expected.put("a", null);
        expected.put("d", 4);
        assertThat(capped.traits()).isEqualTo(expected);
    }

    @Test
    void nestedAndUnusualValuesAreMeasuredAsTheyWouldBeStored() {
        Map<String, Object> incoming = Map.of(
                "address", Map.of("lines", List.of("w".repeat(60), "v".repeat(60))),
                "balance", new BigDecimal("1e-200").add(BigDecimal.ONE));

        var capped = limits.cap(Map.of(), incoming, json);

        assertThat(capped.traits()).isEmpty();
        assertThat(capped.refused())
                .hasSize(2)
                .anySatisfy(r -> assertThat(r).startsWith("address: its value has"))
                .anySatisfy(r -> assertThat(r).startsWith("balance: its value has"));
    }
}
