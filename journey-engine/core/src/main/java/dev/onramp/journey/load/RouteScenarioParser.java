package dev.onramp.journey.load;

import dev.onramp.journey.load.YamlNode.Entry;
import dev.onramp.journey.load.YamlNode.Mapping;
import dev.onramp.journey.load.YamlNode.Scalar;
import dev.onramp.journey.load.YamlNode.Sequence;
import dev.onramp.journey.route.RouteCase;
import dev.onramp.journey.route.Routes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads route scenarios ({@code routes.test.yaml}, or {@code <anything>.routes.test.yaml}) against the routes they
 * test, every problem at its line and column: unknown fields, a rule, team or destination the routes do not have.
 */
public final class RouteScenarioParser {

    private static final Set<String> FILE_FIELDS = new LinkedHashSet<>(List.of("cases"));
    private static final Set<String> CASE_FIELDS =
            new LinkedHashSet<>(List.of("name", "conversation", "user", "expect"));
    private static final Set<String> CONVERSATION_FIELDS =
            new LinkedHashSet<>(List.of("text", "category", "channel", "kind", "journey", "step", "broadcast"));
    private static final Set<String> USER_FIELDS = new LinkedHashSet<>(List.of("id", "traits"));
    private static final Set<String> EXPECT_FIELDS =
            new LinkedHashSet<>(List.of("route", "team", "tags", "to", "priority", "assignee"));

    private final YamlReader yaml = new YamlReader();
    private final Routes routes;

    public RouteScenarioParser(Routes routes) {
        this.routes = routes;
    }

    /** Whether a file of the journeys folder holds route scenarios rather than journey scenarios. */
    public static boolean isRouteScenarioFile(String fileName) {
        return fileName.equals("routes.test.yaml")
                || fileName.equals("routes.test.yml")
                || fileName.endsWith(".routes.test.yaml")
                || fileName.endsWith(".routes.test.yml");
    }

    public record Parsed(List<RouteCase> cases, List<Problem> problems) {}

    public Parsed parse(String file, String text) {
        return new Run(file).parse(text);
    }

    private final class Run extends Reading {

        Run(String file) {
            super(file);
        }

        Parsed parse(String text) {
            YamlNode root;
            try {
                root = yaml.read(text);
            } catch (YamlReader.SyntaxError e) {
                error(e.location(), e.getMessage());
                return new Parsed(List.of(), problems());
            }
            List<RouteCase> cases = new ArrayList<>();
            Mapping mapping = root == null ? null : mapping(root, "a route scenario file is a mapping with cases");
            if (mapping == null) {
                if (root == null) {
                    error(new YamlNode.Location(1, 1), "a route scenario file needs 'cases'");
                }
                return new Parsed(List.of(), problems());
            }
            Map<String, Entry> fields = fields(mapping, FILE_FIELDS, "a route scenario file");
            Optional<Entry> list =
                    required(fields, "cases", mapping.at(), "the cases, each a conversation and where it goes");
            if (list.isPresent()) {
                if (list.get().value() instanceof Sequence sequence) {
                    for (YamlNode item : sequence.items()) {
                        RouteCase c = routeCase(item);
                        if (c != null) {
                            cases.add(c);
                        }
                    }
                } else {
                    error(
                            list.get().value().at(),
                            "'cases' is a list, not "
                                    + YamlNode.describe(list.get().value()));
                }
            }
            return new Parsed(hasErrors() ? List.of() : cases, problems());
        }

        private RouteCase routeCase(YamlNode node) {
            Mapping mapping = mapping(node, "a case is a mapping with name, conversation, user and expect");
            if (mapping == null) {
                return null;
            }
            Map<String, Entry> fields = fields(mapping, CASE_FIELDS, "a case");
            String name = required(fields, "name", mapping.at(), "what the case shows")
                    .map(e -> nonEmptyText(e.value(), "name"))
                    .orElse(null);
            Map<String, String> conversation = new LinkedHashMap<>();
            required(fields, "conversation", mapping.at(), "what the user wrote: text, category, channel...")
                    .ifPresent(e -> {
                        Mapping m = mapping(e.value(), "'conversation' is a mapping: text, category, channel...");
                        if (m != null) {
                            fields(m, CONVERSATION_FIELDS, "a conversation").forEach((k, v) -> {
                                String value = optionalText(v);
                                if (value != null) {
                                    conversation.put(k, value);
                                }
                            });
                        }
                    });
            if (!conversation.containsKey("text") && fields.containsKey("conversation")) {
                error(fields.get("conversation").value().at(), "'conversation' needs 'text': what the user wrote");
            }
            String userId = "scenario-user";
            Map<String, Object> traits = Map.of();
            if (fields.containsKey("user")) {
                Mapping m = mapping(fields.get("user").value(), "'user' is a mapping: id and traits");
                if (m != null) {
                    Map<String, Entry> user = fields(m, USER_FIELDS, "a user");
                    String id = optionalText(user.get("id"));
                    userId = id == null ? userId : id;
                    if (user.containsKey("traits")) {
                        Object value = YamlNode.toJava(user.get("traits").value());
                        if (value instanceof Map<?, ?> map) {
                            @SuppressWarnings("unchecked")
                            Map<String, Object> typed = (Map<String, Object>) map;
                            traits = typed;
                        } else {
                            error(user.get("traits").value().at(), "'traits' is a mapping");
                        }
                    }
                }
            }
            RouteCase.Expect expect = required(fields, "expect", mapping.at(), "where it must go")
                    .map(e -> expect(e.value()))
                    .orElse(null);
            if (name == null || expect == null || !conversation.containsKey("text")) {
                return null;
            }
            String kind = conversation.getOrDefault("kind", conversation.containsKey("step") ? "reply" : "feedback");
            return new RouteCase(
                    file,
                    mapping.at().line(),
                    name,
                    new Routes.Written(
                            conversation.get("text"),
                            conversation.get("category"),
                            conversation.getOrDefault("channel", "in_app"),
                            kind,
                            conversation.get("journey"),
                            conversation.get("step"),
                            conversation.get("broadcast")),
                    userId,
                    traits,
                    expect);
        }

        private RouteCase.Expect expect(YamlNode node) {
            Mapping mapping = mapping(node, "'expect' is a mapping: route, team, tags, to, priority, assignee");
            if (mapping == null) {
                return null;
            }
            Map<String, Entry> fields = fields(mapping, EXPECT_FIELDS, "an expectation");
            Optional<String> route = Optional.ofNullable(optionalText(fields.get("route")));
            route.ifPresent(id -> {
                if (!id.equals(RouteCase.NO_ROUTE) && routes.routes().stream().noneMatch(r -> r.id().equals(id))) {
                    error(
                            fields.get("route").value().at(),
                            "'" + id + "' is not a rule of " + RoutesParser.FILE
                                    + " (or write 'none': no rule matches)");
                }
            });
            Optional<List<String>> to = strings(fields.get("to"));
            to.ifPresent(names -> names.stream()
                    .filter(n -> !routes.destinations().containsKey(n))
                    .forEach(n -> error(
                            fields.get("to").value().at(),
                            "'" + n + "' is not a destination of " + RoutesParser.FILE)));
            return new RouteCase.Expect(
                    route,
                    Optional.ofNullable(optionalText(fields.get("team"))),
                    strings(fields.get("tags")),
                    to,
                    Optional.ofNullable(optionalText(fields.get("priority"))),
                    Optional.ofNullable(optionalText(fields.get("assignee"))));
        }

        private Optional<List<String>> strings(Entry entry) {
            if (entry == null) {
                return Optional.empty();
            }
            List<String> out = new ArrayList<>();
            if (entry.value() instanceof Sequence sequence) {
                for (YamlNode item : sequence.items()) {
                    if (item instanceof Scalar s && !s.isNull()) {
                        out.add(s.text().strip());
                    } else {
                        error(item.at(), "'" + entry.key() + "' lists names, not " + YamlNode.describe(item));
                    }
                }
            } else if (entry.value() instanceof Scalar s && !s.isNull()) {
                out.add(s.text().strip());
            } else if (!(entry.value() instanceof Scalar)) {
                error(entry.value().at(), "'" + entry.key() + "' is a list, not " + YamlNode.describe(entry.value()));
            }
            return Optional.of(out);
        }
    }
}
