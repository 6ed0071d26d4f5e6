package dev.onramp.journey.load;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.YamlNode.Entry;
import dev.onramp.journey.load.YamlNode.Location;
import dev.onramp.journey.load.YamlNode.Mapping;
import dev.onramp.journey.load.YamlNode.Scalar;
import dev.onramp.journey.load.YamlNode.Sequence;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Team;
import dev.onramp.journey.route.Routes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads {@code routes.yaml}, beside the journeys: the destinations by name and the ordered rules that send what users
 * write to a team and to destinations, every problem at its line and column — an unknown team, teammate or
 * destination, a condition that does not type-check, a rule no conversation can reach ({@code docs/routes.schema.json}
 * is the same shape for editors).
 */
public final class RoutesParser {

    /** The file's name in the journeys directory. */
    public static final String FILE = "routes.yaml";

    private static final Set<String> FIELDS = new LinkedHashSet<>(List.of("destinations", "routes"));
    private static final Set<String> ROUTE_FIELDS =
            new LinkedHashSet<>(List.of("id", "when", "tags", "team", "priority", "assignee", "to"));
    private static final Pattern TAG = Pattern.compile("[a-z0-9][a-z0-9_:-]{0,79}");

    private final YamlReader yaml = new YamlReader();
    private final Conditions conditions;

    /** @param conditions compiles {@code when}: {@link Conditions#forConversations()} */
    public RoutesParser(Conditions conditions) {
        this.conditions = conditions;
    }

    /** The routes (none when there are errors) and every problem. */
    public record Parsed(Routes routes, List<Problem> problems) {
        public boolean hasErrors() {
            return problems.stream().anyMatch(Problem::isError);
        }
    }

    /** @param team who routes may name; null when team.yaml itself is broken (teams are then not checked) */
    public Parsed parse(String file, String text, Roster team) {
        return new Run(file, team).parse(text);
    }

    private final class Run extends Reading {

        private final Roster team;

        Run(String file, Roster team) {
            super(file);
            this.team = team;
        }

        Parsed parse(String text) {
            YamlNode root;
            try {
                root = yaml.read(text);
            } catch (YamlReader.SyntaxError e) {
                error(e.location(), e.getMessage());
                return done(null);
            }
            if (root == null) {
                return done(Routes.NONE);
            }
            if (!(root instanceof Mapping mapping)) {
                error(root.at(), FILE + " is a mapping with destinations and routes, not " + YamlNode.describe(root));
                return done(null);
            }
            Map<String, Entry> fields = fields(mapping, FIELDS, FILE);
            Map<String, Routes.Destination.Kind> destinations = destinations(fields.get("destinations"));
            List<Routes.Route> routes = new ArrayList<>();
            Map<String, Location> ids = new HashMap<>();
            Location catchAll = null;
            String catchAllId = null;
            for (YamlNode item : items(fields.get("routes"), "routes")) {
                if (catchAll != null) {
                    error(
                            item.at(),
                            "this rule is never reached: rule '" + catchAllId + "' at line " + catchAll.line()
                                    + " has no 'when', so it takes every conversation; put it last");
                }
                Routes.Route route = route(item, destinations, ids);
                if (route != null) {
                    routes.add(route);
                    if (route.when().isAlways() && catchAll == null) {
                        catchAll = item.at();
                        catchAllId = route.id();
                    }
                }
            }
            if (!routes.isEmpty() && catchAll == null && !hasErrors()) {
                warning(
                        fields.get("routes").value().at(),
                        "no rule without 'when' comes last: a conversation no rule matches goes to no team and no"
                                + " destination");
            }
            return done(hasErrors() ? null : new Routes(destinations, routes));
        }

        private Map<String, Routes.Destination.Kind> destinations(Entry entry) {
            Map<String, Routes.Destination.Kind> out = new LinkedHashMap<>();
            if (entry == null) {
                return out;
            }
            if (!(entry.value() instanceof Mapping mapping)) {
                error(
                        entry.value().at(),
                        "'destinations' maps each name to its kind (helpdesk, webhook or chat), not "
                                + YamlNode.describe(entry.value()));
                return out;
            }
            for (Entry d : mapping.entries()) {
                if (!ID.matcher(d.key()).matches()) {
                    error(
                            d.value().at(),
                            "'" + d.key() + "' is not a valid destination name: use lower-case letters, digits, '-'"
                                    + " and '_'");
                    continue;
                }
                String kind =
                        d.value() instanceof Scalar s && !s.isNull() ? s.text().strip() : null;
                Optional<Routes.Destination.Kind> known =
                        kind == null ? Optional.empty() : Routes.Destination.Kind.of(kind);
                if (known.isEmpty()) {
                    error(
                            d.value().at(),
                            "destination '" + d.key() + "' is a helpdesk, a webhook or a chat, not "
                                    + YamlNode.describe(d.value()));
                    continue;
                }
                out.put(d.key(), known.get());
            }
            return out;
        }

        private Routes.Route route(
                YamlNode node, Map<String, Routes.Destination.Kind> destinations, Map<String, Location> ids) {
            Mapping mapping = mapping(node, "a route is a mapping with id, when, team and to");
            if (mapping == null) {
                return null;
            }
            Map<String, Entry> fields = fields(mapping, ROUTE_FIELDS, "a route");
            String id = id(fields.get("id"), mapping.at(), "id", "the rule's id, such as billing");
            if (id != null) {
                Location previous = ids.putIfAbsent(id, mapping.at());
                if (previous != null) {
                    error(mapping.at(), "rule id '" + id + "' is already used at line " + previous.line());
                }
            }
            Condition when = Condition.ALWAYS;
            boolean whenOk = true;
            if (fields.containsKey("when")) {
                when = condition(fields.get("when").value(), conditions);
                whenOk = when != null;
            }
            List<String> tags = new ArrayList<>();
            for (YamlNode tag : list(fields.get("tags"), "tags")) {
                String text = tag instanceof Scalar s && !s.isNull() ? s.text().strip() : null;
                if (text == null || !TAG.matcher(text).matches()) {
                    error(
                            tag.at(),
                            "a tag is lower-case letters, digits, '-', '_' and ':', not " + YamlNode.describe(tag));
                } else {
                    tags.add(text);
                }
            }
            Optional<String> teamId = Optional.ofNullable(optionalText(fields.get("team")));
            if (teamId.isPresent() && team != null && team.team(teamId.get()).isEmpty()) {
                Set<String> teams =
                        team.teams().stream().map(Team::id).collect(Collectors.toCollection(LinkedHashSet::new));
                String close = Suggestions.closest(teamId.get(), teams);
                error(
                        fields.get("team").value().at(),
                        "'" + teamId.get() + "' is not a team in " + TeamParser.FILE
                                + (close != null
                                        ? " (did you mean '" + close + "'?)"
                                        : teams.isEmpty() ? "" : "; teams: " + String.join(", ", teams)));
            }
            Optional<Routes.Priority> priority = Optional.empty();
            String priorityText = optionalText(fields.get("priority"));
            if (priorityText != null) {
                priority = Routes.Priority.of(priorityText);
                if (priority.isEmpty()) {
                    error(
                            fields.get("priority").value().at(),
                            "'priority' is low, normal, high or urgent, not '" + priorityText + "'");
                }
            }
            Optional<String> assignee = Optional.empty();
            if (fields.containsKey("assignee")) {
                var teammate = teammate(fields.get("assignee").value(), team, "assignee");
                assignee = teammate == null ? Optional.empty() : Optional.of(teammate.id());
            }
            List<String> to = new ArrayList<>();
            for (YamlNode item : list(fields.get("to"), "to")) {
                String name = item instanceof Scalar s && !s.isNull() ? s.text().strip() : null;
                if (name == null || !destinations.containsKey(name)) {
                    String close = name == null ? null : Suggestions.closest(name, destinations.keySet());
                    error(
                            item.at(),
                            (name == null ? YamlNode.describe(item) : "'" + name + "'")
                                    + " is not a destination of this file"
                                    + (close != null
                                            ? " (did you mean '" + close + "'?)"
                                            : destinations.isEmpty()
                                                    ? ": declare it under 'destinations'"
                                                    : "; destinations: " + String.join(", ", destinations.keySet())));
                } else if (to.contains(name)) {
                    error(item.at(), "'" + name + "' is named twice");
                } else {
                    to.add(name);
                }
            }
            if (id == null || !whenOk) {
                return null;
            }
            return new Routes.Route(id, when, tags, teamId, priority, assignee, to);
        }

        /** A list, or one item written on its own ({@code to: zendesk}). */
        private List<YamlNode> list(Entry entry, String field) {
            if (entry == null) {
                return List.of();
            }
            if (entry.value() instanceof Sequence sequence) {
                return sequence.items();
            }
            if (entry.value() instanceof Scalar s && !s.isNull()) {
                return List.of(s);
            }
            error(entry.value().at(), "'" + field + "' is a list, not " + YamlNode.describe(entry.value()));
            return List.of();
        }

        private List<YamlNode> items(Entry entry, String field) {
            if (entry == null) {
                return List.of();
            }
            if (entry.value() instanceof Sequence sequence) {
                return sequence.items();
            }
            error(entry.value().at(), "'" + field + "' is a list of rules, not " + YamlNode.describe(entry.value()));
            return List.of();
        }

        private Parsed done(Routes routes) {
            return new Parsed(routes, problems());
        }
    }
}
