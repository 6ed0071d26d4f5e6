package dev.onramp.journey.route;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A route scenario ({@code routes.test.yaml}, docs/conversations.md): what a user wrote and who they are, and where
 * it must go. Checked against the routes in milliseconds, like journey scenarios, so a changed rule that sends billing
 * questions elsewhere fails in CI.
 *
 * @param line where the case begins in its file
 * @param expect every part left empty is not checked
 */
public record RouteCase(
        String file,
        int line,
        String name,
        Routes.Written written,
        String userId,
        Map<String, Object> traits,
        Expect expect) {

    /** A rule id that says the case must match no rule. */
    public static final String NO_ROUTE = "none";

    /**
     * Where it must go.
     *
     * @param route the rule's id, or {@link #NO_ROUTE}
     * @param tags exactly these tags, in any order
     * @param to exactly these destinations, in any order
     */
    public record Expect(
            Optional<String> route,
            Optional<String> team,
            Optional<List<String>> tags,
            Optional<List<String>> to,
            Optional<String> priority,
            Optional<String> assignee) {}

    /**
     * How it went.
     *
     * @param failures what differs, one line each; empty when it passed
     */
    public record Result(RouteCase scenario, Routes.Routed routed, List<String> failures, long nanos) {
        public Result {
            failures = List.copyOf(failures);
        }

        public boolean passed() {
            return failures.isEmpty();
        }
    }

    /** Routes the case and compares. */
    public Result run(Routes routes, Instant now) {
        long start = System.nanoTime();
        Routes.Routed routed = routes.route(written, userId, traits, now);
        List<String> failures = new ArrayList<>();
        Routes.Route route = routed.route();
        expect.route().ifPresent(id -> {
            String actual = route == null ? NO_ROUTE : route.id();
            if (!actual.equals(id)) {
                failures.add("route: expected " + id + ", got " + actual);
            }
        });
        expect.team().ifPresent(team -> {
            String actual = route == null ? null : route.team().orElse(null);
            if (!team.equals(actual)) {
                failures.add("team: expected " + team + ", got " + (actual == null ? "none" : actual));
            }
        });
        expect.priority().ifPresent(priority -> {
            String actual = route == null
                    ? null
                    : route.priority().map(Routes.Priority::wireName).orElse(null);
            if (!priority.equals(actual)) {
                failures.add("priority: expected " + priority + ", got " + (actual == null ? "none" : actual));
            }
        });
        expect.assignee().ifPresent(assignee -> {
            String actual = route == null ? null : route.assignee().orElse(null);
            if (!assignee.equals(actual)) {
                failures.add("assignee: expected " + assignee + ", got " + (actual == null ? "none" : actual));
            }
        });
        expect.tags().ifPresent(tags -> compare("tags", tags, route == null ? List.of() : route.tags(), failures));
        expect.to().ifPresent(to -> compare("to", to, route == null ? List.of() : route.to(), failures));
        failures.addAll(
                routed.errors().stream().map(e -> "condition failed: " + e).toList());
        return new Result(this, routed, failures, System.nanoTime() - start);
    }

    private static void compare(String field, List<String> expected, List<String> actual, List<String> failures) {
        if (!new java.util.TreeSet<>(expected).equals(new java.util.TreeSet<>(actual))) {
            failures.add(field + ": expected [" + String.join(", ", expected) + "], got [" + String.join(", ", actual)
                    + "]");
        }
    }
}
