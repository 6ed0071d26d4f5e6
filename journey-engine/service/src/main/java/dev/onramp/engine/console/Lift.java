package dev.onramp.engine.console;

import java.util.Optional;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.inference.ChiSquareTest;

/**
 * What a journey changes: the conversion rate of the users who got its messages (treatment) against those it held
 * out, as the absolute difference with a 95% confidence interval (normal approximation of the difference of two
 * proportions) and the relative lift, and whether the difference could be chance: Pearson's chi-square test of the
 * 2×2 table (converted or not, treatment or holdout), both from Apache Commons Math. Too few users for the
 * approximations (an expected count under 5 in any cell) gives no test at all rather than a misleading one.
 */
public record Lift(
        Rate treatment,
        Rate holdout,
        Optional<Double> relative,
        Optional<Interval> difference,
        Optional<Double> pValue,
        String test) {

    /** The test named on the page, so that a reader knows what the p-value means. */
    public static final String TEST = "Pearson's chi-square test of independence (2×2), 95% Wald interval";

    private static final double CONFIDENCE = 0.95;

    /** {@code count} of {@code of}, and the share it is. */
    public record Rate(long count, long of) {
        public Optional<Double> share() {
            return of == 0 ? Optional.empty() : Optional.of((double) count / of);
        }
    }

    /** The difference of the two rates, treatment minus holdout, with its interval. */
    public record Interval(double estimate, double low, double high) {}

    public static Lift of(long treatmentConverted, long treatmentEntered, long holdoutConverted, long holdoutEntered) {
        Rate t = new Rate(treatmentConverted, treatmentEntered);
        Rate h = new Rate(holdoutConverted, holdoutEntered);
        if (treatmentEntered == 0 || holdoutEntered == 0) {
            return new Lift(t, h, Optional.empty(), Optional.empty(), Optional.empty(), TEST);
        }
        double pt = t.share().orElseThrow();
        double ph = h.share().orElseThrow();
        Optional<Double> relative = ph == 0 ? Optional.empty() : Optional.of((pt - ph) / ph);
        if (!enoughForTheTest(treatmentConverted, treatmentEntered, holdoutConverted, holdoutEntered)) {
            return new Lift(t, h, relative, Optional.empty(), Optional.empty(), TEST);
        }
        double z = new NormalDistribution().inverseCumulativeProbability(1 - (1 - CONFIDENCE) / 2);
        double se = Math.sqrt(pt * (1 - pt) / treatmentEntered + ph * (1 - ph) / holdoutEntered);
        Interval difference = new Interval(pt - ph, pt - ph - z * se, pt - ph + z * se);
        double p = new ChiSquareTest().chiSquareTest(new long[][] {
            {treatmentConverted, treatmentEntered - treatmentConverted},
            {holdoutConverted, holdoutEntered - holdoutConverted}
        });
        return new Lift(t, h, relative, Optional.of(difference), Optional.of(p), TEST);
    }

    /** Every expected count of the 2×2 table at least 5: the usual condition for both approximations. */
    private static boolean enoughForTheTest(long tc, long tn, long hc, long hn) {
        double n = tn + hn;
        double converted = tc + hc;
        double notConverted = n - converted;
        for (double row : new double[] {tn, hn}) {
            for (double column : new double[] {converted, notConverted}) {
                if (row * column / n < 5) {
                    return false;
                }
            }
        }
        return true;
    }
}
