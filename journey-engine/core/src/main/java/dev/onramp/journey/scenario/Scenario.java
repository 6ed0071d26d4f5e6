package dev.onramp.journey.scenario;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.MessageKind;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * One scenario of a {@code *.test.yaml} file: a user, what they do and when, and what they should get.
 *
 * @param anonymousId the id the user's device sends before they sign in, or null
 * @param clock time zero; relative times count from it
 * @param zone the clock's zone, for showing times as the author wrote them
 * @param until how long to play
 * @param holdout whether the user is in the holdout group (false unless the scenario says so)
 * @param onlyExpected when true, a message that no expectation describes fails the scenario
 */
public record Scenario(
        String file,
        int line,
        String name,
        String journey,
        String userId,
        String anonymousId,
        Map<String, Object> traits,
        boolean holdout,
        Instant clock,
        ZoneId zone,
        Instant until,
        List<Action> actions,
        List<Expectation> expectations,
        boolean onlyExpected) {

    public Scenario {
        traits = Map.copyOf(traits);
        actions = List.copyOf(actions);
        expectations = List.copyOf(expectations);
    }

    /**
     * Something the user does at a time: a track, identify or alias call.
     *
     * @param anonymousId set when the call is sent before the user signs in, with this anonymousId and no userId
     * @param previousId an alias call's: the id it joins to the user
     */
    public record Action(
            int line,
            Instant at,
            String type,
            String event,
            Map<String, Object> properties,
            Map<String, Object> traits,
            String anonymousId,
            String previousId) {}

    /** Which messages an expectation is about; null fields match anything. */
    public record MessageFilter(String journey, String step, Channel channel, MessageKind kind, String template) {
        public String describe() {
            StringBuilder out = new StringBuilder();
            if (step != null) {
                out.append(step);
            }
            if (kind != null) {
                out.append(out.isEmpty() ? "" : " ").append(kind);
            }
            if (channel != null) {
                out.append(out.isEmpty() ? "" : " ").append(channel);
            }
            if (template != null) {
                out.append(out.isEmpty() ? "" : " ")
                        .append("(")
                        .append(template)
                        .append(")");
            }
            return out.isEmpty() ? "any message" : out.toString();
        }
    }

    /** What should (or should not) happen. */
    public sealed interface Expectation {
        int line();

        /** A message like this, at this time give or take {@code within} (any time when {@code at} is null). */
        record Send(int line, Instant at, Duration within, MessageFilter filter) implements Expectation {}

        /** No message like this, ever (within the scenario's time). */
        record Never(int line, MessageFilter filter) implements Expectation {}

        /** The user's enrollment ends the scenario active, completed, exited, or never enrolled. */
        record Status(int line, String journey, String status) implements Expectation {}

        /** Whether the user converted (reached the goal). */
        record Converted(int line, String journey, boolean converted) implements Expectation {}
    }
}
