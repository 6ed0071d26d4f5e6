package dev.onramp.journey.cel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A condition cannot be made to hold an engine thread, whatever the traits and events it reads. */
class ConditionsSecurityTest {

    final Conditions conditions = new Conditions();

    Condition compile(String expression) {
        Conditions.Compiled compiled = conditions.compile(expression);
        assertThat(compiled.issues()).isEmpty();
        return compiled.condition();
    }

    @Test
    void nestedComprehensionsOverAListAUserSentStopAtTheCostBudget() {
        // Given a condition that compares every pair of a list trait, and a user who sent 5,000 items (25 million
        // pairs)
        Condition pairs = compile("user.traits.tags.all(a, user.traits.tags.all(b, a == b || a != b))");
        List<Integer> tags = IntStream.range(0, 5_000).boxed().toList();

        // When it is evaluated
        var result = pairs.program().evaluate(Map.of("traits", Map.of("tags", tags)), Map.of(), Instant.EPOCH);

        // Then it stops at the budget, is false, and says why
        assertThat(result.value()).isFalse();
        assertThat(result.error()).contains("exceeded the cost budget of " + Conditions.COST_BUDGET + " steps");
    }

    @Test
    void theSameConditionOverAShortListIsEvaluated() {
        Condition pairs = compile("user.traits.tags.all(a, user.traits.tags.all(b, a == b || a != b))");

        var result =
                pairs.program().evaluate(Map.of("traits", Map.of("tags", List.of(1, 2, 3))), Map.of(), Instant.EPOCH);

        assertThat(result.value()).isTrue();
        assertThat(result.error()).isNull();
    }
}
