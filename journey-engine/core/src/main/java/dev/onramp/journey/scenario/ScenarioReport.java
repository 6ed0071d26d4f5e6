package dev.onramp.journey.scenario;

import dev.onramp.journey.model.Durations;
import dev.onramp.journey.route.RouteCase;
import dev.onramp.journey.run.MessageRequest;
import dev.onramp.journey.scenario.Scenario.Expectation;
import dev.onramp.journey.scenario.ScenarioResult.Check;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Scenario results for people (expected and actual timelines side by side) and for CI systems (JUnit XML). */
public final class ScenarioReport {

    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("EEE d MMM HH:mm", Locale.ENGLISH);
    private static final int WIDTH = 52;

    private ScenarioReport() {}

    /** One line for a passing scenario; for a failing one, the two timelines side by side and what differs. */
    public static String text(ScenarioResult result) {
        Scenario s = result.scenario();
        StringBuilder out = new StringBuilder();
        out.append(result.passed() ? "  ✓ " : "  ✗ ")
                .append(s.name())
                .append(String.format(Locale.ROOT, " (%.1f ms)%n", result.nanos() / 1e6));
        if (result.passed()) {
            return out.toString();
        }
        out.append("      ")
                .append(s.file())
                .append(':')
                .append(s.line())
                .append(" — user ")
                .append(s.userId())
                .append(", clock ")
                .append(s.clock().atZone(s.zone()).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append('\n');
        if (result.error() != null) {
            out.append("      ").append(result.error()).append('\n');
            return out.toString();
        }
        out.append("      ").append(pad("expected", WIDTH)).append("│ actual\n");
        for (Check check : result.checks()) {
            out.append("    ")
                    .append(check.passed() ? "✓ " : "✗ ")
                    .append(pad(expected(s, check.expectation()), WIDTH))
                    .append("│ ")
                    .append(actual(s, check))
                    .append('\n');
        }
        for (MessageRequest m : result.unexpected()) {
            out.append("    ✗ ")
                    .append(pad("—", WIDTH))
                    .append("│ ")
                    .append(when(s, m.createdAt()))
                    .append(describe(m))
                    .append("  ← not expected\n");
        }
        return out.toString();
    }

    private static String expected(Scenario s, Expectation e) {
        return switch (e) {
            case Expectation.Send send ->
                (send.at() == null ? pad("any time", 27) : when(s, send.at()))
                        + send.filter().describe()
                        + (send.within().isZero() ? "" : " ±" + Durations.format(send.within()));
            case Expectation.Never never -> pad("never", 27) + never.filter().describe();
            case Expectation.Status status -> pad("at the end", 27) + status.status();
            case Expectation.Converted converted ->
                pad("at the end", 27) + (converted.converted() ? "converted" : "not converted");
        };
    }

    private static String actual(Scenario s, Check check) {
        if (check.matched() != null) {
            String note = check.passed() ? "" : "  ← " + check.actual();
            if (!check.passed() && check.expectation() instanceof Expectation.Send send && send.at() != null) {
                Duration off = Duration.between(send.at(), check.matched().createdAt());
                note = "  ← " + Durations.format(off.abs()) + (off.isNegative() ? " early" : " late");
            }
            return when(s, check.matched().createdAt()) + describe(check.matched()) + note;
        }
        if (check.passed()) {
            return check.expectation() instanceof Expectation.Never
                    ? "not sent"
                    : check.actual() == null ? "" : check.actual();
        }
        return check.actual();
    }

    private static String describe(MessageRequest m) {
        return m.step() + " " + m.kind() + " " + m.channel() + " (" + m.template() + ")";
    }

    /** "+1h4m  Mon 2 Mar 10:04 " in the scenario's zone. */
    private static String when(Scenario s, Instant at) {
        Duration since = Duration.between(s.clock(), at);
        String relative = (since.isNegative() ? "-" : "+") + Durations.format(since.abs());
        return pad(pad(relative, 9) + at.atZone(s.zone()).format(LOCAL), 27);
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }

    /** One line for a passing route scenario; for a failing one, where it went and what differs. */
    public static String text(RouteCase.Result result) {
        RouteCase c = result.scenario();
        StringBuilder out = new StringBuilder();
        out.append(result.passed() ? "  ✓ " : "  ✗ ")
                .append(c.name())
                .append(String.format(Locale.ROOT, " (%.1f ms)%n", result.nanos() / 1e6));
        if (!result.passed()) {
            out.append("      ")
                    .append(c.file())
                    .append(':')
                    .append(c.line())
                    .append(" — went by ")
                    .append(result.routed().describe())
                    .append('\n');
            result.failures().forEach(f -> out.append("      ").append(f).append('\n'));
        }
        return out.toString();
    }

    /** JUnit XML, one test suite per scenario file, so CI systems show each scenario. */
    public static String junit(List<ScenarioResult> results) {
        return junit(results, List.of());
    }

    /** JUnit XML of journey and route scenarios, one test suite per file. */
    public static String junit(List<ScenarioResult> results, List<RouteCase.Result> routeResults) {
        Map<String, List<ScenarioResult>> byFile = new LinkedHashMap<>();
        for (ScenarioResult r : results) {
            byFile.computeIfAbsent(r.scenario().file(), k -> new ArrayList<>()).add(r);
        }
        StringBuilder out = new StringBuilder(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"onramp scenarios\">\n");
        byFile.forEach((file, list) -> {
            long failures = list.stream().filter(r -> !r.passed()).count();
            double seconds = list.stream().mapToLong(ScenarioResult::nanos).sum() / 1e9;
            out.append(String.format(
                    Locale.ROOT,
                    "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.4f\">%n",
                    xml(file),
                    list.size(),
                    failures,
                    seconds));
            for (ScenarioResult r : list) {
                out.append(String.format(
                        Locale.ROOT,
                        "    <testcase classname=\"%s\" name=\"%s\" time=\"%.4f\"",
                        xml(file),
                        xml(r.scenario().name()),
                        r.nanos() / 1e9));
                if (r.passed()) {
                    out.append("/>\n");
                } else {
                    String message = r.error() != null
                            ? r.error()
                            : r.checks().stream().filter(c -> !c.passed()).count() + " expectation(s) not met, "
                                    + r.unexpected().size() + " unexpected message(s)";
                    out.append(">\n      <failure message=\"")
                            .append(xml(message))
                            .append("\">")
                            .append(xml(text(r)))
                            .append("</failure>\n")
                            .append("    </testcase>\n");
                }
            }
            out.append("  </testsuite>\n");
        });
        Map<String, List<RouteCase.Result>> routesByFile = new LinkedHashMap<>();
        for (RouteCase.Result r : routeResults) {
            routesByFile
                    .computeIfAbsent(r.scenario().file(), k -> new ArrayList<>())
                    .add(r);
        }
        routesByFile.forEach((file, list) -> {
            out.append(String.format(
                    Locale.ROOT,
                    "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.4f\">%n",
                    xml(file),
                    list.size(),
                    list.stream().filter(r -> !r.passed()).count(),
                    list.stream().mapToLong(RouteCase.Result::nanos).sum() / 1e9));
            for (RouteCase.Result r : list) {
                out.append(String.format(
                        Locale.ROOT,
                        "    <testcase classname=\"%s\" name=\"%s\" time=\"%.4f\"",
                        xml(file),
                        xml(r.scenario().name()),
                        r.nanos() / 1e9));
                if (r.passed()) {
                    out.append("/>\n");
                } else {
                    out.append(">\n      <failure message=\"")
                            .append(xml(String.join("; ", r.failures())))
                            .append("\">")
                            .append(xml(text(r)))
                            .append("</failure>\n")
                            .append("    </testcase>\n");
                }
            }
            out.append("  </testsuite>\n");
        });
        return out.append("</testsuites>\n").toString();
    }

    private static String xml(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> {
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
