package dev.onramp.engine.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LiftTest {

    @Test
    void aFivePointGainOnAThousandUsersEachIsALiftOfAThirdAndUnlikelyToBeChance() {
        // Given 200 of 1,000 treated users converted, and 150 of 1,000 held out
        Lift lift = Lift.of(200, 1000, 150, 1000);

        // Then the difference is 5 points, 95% interval [1.68, 8.32] points, a relative lift of +33%, and Pearson's
        // chi-square statistic 8.658 on one degree of freedom, p = 0.0033 (computed by hand)
        assertThat(lift.difference().orElseThrow().estimate()).isCloseTo(0.05, within(1e-9));
        assertThat(lift.difference().orElseThrow().low()).isCloseTo(0.016767, within(1e-5));
        assertThat(lift.difference().orElseThrow().high()).isCloseTo(0.083233, within(1e-5));
        assertThat(lift.relative().orElseThrow()).isCloseTo(1.0 / 3, within(1e-9));
        assertThat(lift.pValue().orElseThrow()).isCloseTo(0.003256, within(1e-5));
    }

    @Test
    void tooFewUsersGiveNoTestRatherThanAMisleadingOne() {
        Lift lift = Lift.of(3, 3, 0, 1);

        assertThat(lift.difference()).isEmpty();
        assertThat(lift.pValue()).isEmpty();
        assertThat(lift.relative()).isEmpty(); // nobody held out converted: no ratio
        assertThat(lift.treatment().share()).contains(1.0);
    }

    @Test
    void noHoldoutMeansNothingToCompare() {
        Lift lift = Lift.of(10, 100, 0, 0);

        assertThat(lift.difference()).isEmpty();
        assertThat(lift.holdout().share()).isEmpty();
    }
}
