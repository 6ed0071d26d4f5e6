package dev.onramp.journey.scenario;

import dev.onramp.journey.run.Decision;
import dev.onramp.journey.run.MessageRequest;
import java.util.List;

/**
 * How a scenario went: each expectation checked, every message the user got, and the ones nobody expected.
 *
 * @param error why the scenario could not run at all, or null
 */
public record ScenarioResult(
        Scenario scenario,
        List<Check> checks,
        List<MessageRequest> messages,
        List<MessageRequest> unexpected,
        List<Decision> log,
        long nanos,
        String error) {

    public ScenarioResult {
        checks = List.copyOf(checks);
        messages = List.copyOf(messages);
        unexpected = List.copyOf(unexpected);
        log = List.copyOf(log);
    }

    public boolean passed() {
        return error == null && unexpected.isEmpty() && checks.stream().allMatch(Check::passed);
    }

    /**
     * One expectation, checked.
     *
     * @param matched the message that satisfied (or, for a never, broke) it; null if none
     * @param actual what happened instead, in words, when it failed
     */
    public record Check(Scenario.Expectation expectation, boolean passed, MessageRequest matched, String actual) {}
}
