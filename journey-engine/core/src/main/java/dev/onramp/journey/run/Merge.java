package dev.onramp.journey.run;

import java.util.List;

/**
 * What joining an anonymous profile to a known user did ({@link JourneyRuntime#merge}).
 *
 * @param from the anonymous profile's id
 * @param outcome the known user's state with everything the anonymous profile brought, the decisions that say so, and
 *     any message that became due
 * @param renumbered the enrollments that now have another user or cycle: their journey log entries go with them
 */
public record Merge(String from, Outcome outcome, List<Renumbered> renumbered) {

    public Merge {
        renumbered = List.copyOf(renumbered);
    }

    /** An enrollment of {@code userId}'s, cycle {@code from} of {@code journey}, is now the known user's cycle {@code to}. */
    public record Renumbered(String userId, String journey, int from, int to) {}

    /** The user the anonymous profile now belongs to. */
    public String into() {
        return outcome.state().profile().userId();
    }

    /**
     * A journey log entry written before the merge, as it reads after: the anonymous profile's entries are the user's,
     * and an entry of a renumbered enrollment has its new cycle.
     */
    public Decision relabel(Decision d) {
        for (Renumbered r : renumbered) {
            if (r.userId().equals(d.userId()) && r.journey().equals(d.journey()) && r.from() == d.cycle()) {
                return new Decision(d.at(), into(), d.journey(), r.to(), d.step(), d.kind(), d.detail(), d.messageId());
            }
        }
        return d.userId().equals(from)
                ? new Decision(d.at(), into(), d.journey(), d.cycle(), d.step(), d.kind(), d.detail(), d.messageId())
                : d;
    }
}
