package dev.onramp.journey.model;

import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One journey, as a file describes it: validated, immutable.
 *
 * @param holdoutPercent the share of users, 0 to under 100, who are tracked but never messaged
 * @param timezone the zone for quiet hours of users without a valid {@code timezone} trait; empty for the
 *     installation's default
 * @param sender the teammate who signs its messages unless a step names another ({@code team.yaml})
 * @param source where it was loaded from, for messages
 * @param contentHash a hash of the file's text: a new hash is a new version
 */
public record Journey(
        String id,
        String name,
        EventMatch trigger,
        List<Step> steps,
        List<EventMatch> exits,
        Optional<Goal> goal,
        double holdoutPercent,
        Optional<QuietHours> quietHours,
        Reentry reentry,
        Optional<ZoneId> timezone,
        Optional<Teammate> sender,
        String source,
        String contentHash) {

    public Journey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(trigger, "trigger");
        steps = List.copyOf(steps);
        exits = List.copyOf(exits);
        sender = sender == null ? Optional.empty() : sender;
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("journey " + id + " needs at least one step");
        }
        Set<String> ids = new HashSet<>();
        for (Step step : steps) {
            if (!ids.add(step.id())) {
                throw new IllegalArgumentException("journey " + id + " has two steps with id " + step.id());
            }
        }
        if (holdoutPercent < 0 || holdoutPercent >= 100) {
            throw new IllegalArgumentException("holdout must be at least 0% and under 100%");
        }
    }

    public Optional<Step> step(String stepId) {
        return steps.stream().filter(s -> s.id().equals(stepId)).findFirst();
    }

    /** Every event name this journey reacts to: trigger, done_when, exit, goal. */
    public Set<String> eventNames() {
        Set<String> names = new HashSet<>();
        names.add(trigger.event());
        steps.forEach(s -> s.doneWhen().forEach(m -> names.add(m.event())));
        exits.forEach(m -> names.add(m.event()));
        goal.ifPresent(g -> names.add(g.match().event()));
        return names;
    }
}
