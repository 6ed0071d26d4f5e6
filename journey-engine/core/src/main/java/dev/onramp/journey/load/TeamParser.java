package dev.onramp.journey.load;

import dev.onramp.journey.load.YamlNode.Entry;
import dev.onramp.journey.load.YamlNode.Location;
import dev.onramp.journey.load.YamlNode.Mapping;
import dev.onramp.journey.load.YamlNode.Sequence;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Team;
import dev.onramp.journey.model.Teammate;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code team.yaml}, beside the journeys: the teams and the teammates who sign messages and own replies, every
 * problem reported at its line and column ({@code docs/team.schema.json} is the same shape for editors).
 */
public final class TeamParser {

    /** The file's name in the journeys directory. */
    public static final String FILE = "team.yaml";

    private static final Set<String> FIELDS = new LinkedHashSet<>(List.of("teams", "teammates"));
    private static final Set<String> TEAM_FIELDS = new LinkedHashSet<>(List.of("id", "name"));
    private static final Set<String> TEAMMATE_FIELDS =
            new LinkedHashSet<>(List.of("id", "name", "role", "email", "avatar", "team"));

    /** What passes for one email address: one @, no spaces, nothing that would end an address in a mail header. */
    static final Pattern EMAIL =
            Pattern.compile("[^@\\s<>,;\"()\\[\\]\\\\]+@[^@\\s<>,;\"()\\[\\]\\\\]+\\.[^@\\s<>,;\"()\\[\\]\\\\.]+");

    private static final int MAX_NAME = 80;

    private final YamlReader yaml = new YamlReader();

    /** The outcome of parsing the file: the roster (empty when there are errors) and every problem. */
    public record Parsed(Roster roster, List<Problem> problems) {
        public boolean hasErrors() {
            return problems.stream().anyMatch(Problem::isError);
        }
    }

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
                return done(null);
            }
            if (root == null) {
                return done(Roster.empty());
            }
            if (!(root instanceof Mapping mapping)) {
                error(root.at(), "team.yaml is a mapping with teams and teammates, not " + YamlNode.describe(root));
                return done(null);
            }
            Map<String, Entry> fields = fields(mapping, FIELDS, "team.yaml");
            List<Team> teams = new ArrayList<>();
            Map<String, Location> teamIds = new HashMap<>();
            for (YamlNode item : items(fields.get("teams"), "teams")) {
                String id = idOf(item);
                Location previous = id == null ? null : teamIds.putIfAbsent(id, item.at());
                if (previous != null) {
                    error(item.at(), "team id '" + id + "' is already used at line " + previous.line());
                    continue;
                }
                Team team = team(item);
                if (team != null) {
                    teams.add(team);
                }
            }
            List<Teammate> teammates = new ArrayList<>();
            Map<String, Location> teammateIds = new HashMap<>();
            for (YamlNode item : items(fields.get("teammates"), "teammates")) {
                // A repeated id is reported even when the first teammate with it has problems of its own.
                String id = idOf(item);
                Location previous = id == null ? null : teammateIds.putIfAbsent(id, item.at());
                if (previous != null) {
                    error(item.at(), "teammate id '" + id + "' is already used at line " + previous.line());
                    continue;
                }
                Teammate teammate = teammate(item, teamIds.keySet());
                if (teammate != null) {
                    teammates.add(teammate);
                }
            }
            return done(hasErrors() ? null : new Roster(teams, teammates));
        }

        /** The id a list item gives itself, as written; null when it gives none. */
        private static String idOf(YamlNode item) {
            if (item instanceof Mapping mapping) {
                for (Entry entry : mapping.entries()) {
                    if (entry.key().equals("id") && entry.value() instanceof YamlNode.Scalar s && !s.isNull()) {
                        return s.text().strip();
                    }
                }
            }
            return null;
        }

        private List<YamlNode> items(Entry entry, String field) {
            if (entry == null) {
                return List.of();
            }
            if (entry.value() instanceof Sequence sequence) {
                return sequence.items();
            }
            if (entry.value() instanceof YamlNode.Scalar s && s.isNull()) {
                return List.of();
            }
            error(entry.value().at(), "'" + field + "' is a list, not " + YamlNode.describe(entry.value()));
            return List.of();
        }

        private Team team(YamlNode node) {
            Mapping mapping = mapping(node, "a team is { id: ..., name: ... }");
            if (mapping == null) {
                return null;
            }
            Map<String, Entry> fields = fields(mapping, TEAM_FIELDS, "a team");
            String id = id(fields.get("id"), mapping.at(), "id", "the team's id, such as reliability");
            String name = required(fields, "name", mapping.at(), "the team's name, such as Reliability & Performance")
                    .map(e -> line(e.value(), "name"))
                    .orElse(null);
            return id == null || name == null ? null : new Team(id, name);
        }

        private Teammate teammate(YamlNode node, Set<String> teams) {
            Mapping mapping = mapping(node, "a teammate is { id, name, role, email, avatar, team }");
            if (mapping == null) {
                return null;
            }
            Map<String, Entry> fields = fields(mapping, TEAMMATE_FIELDS, "a teammate");
            String id = id(fields.get("id"), mapping.at(), "id", "the teammate's id, such as belle");
            String name = required(fields, "name", mapping.at(), "the name messages are signed with, such as Belle")
                    .map(e -> line(e.value(), "name"))
                    .orElse(null);
            String role = required(fields, "role", mapping.at(), "what they do, shown beside their name")
                    .map(e -> line(e.value(), "role"))
                    .orElse(null);
            String email = required(fields, "email", mapping.at(), "where replies to their messages go")
                    .map(e -> email(e.value()))
                    .orElse(null);
            Optional<String> avatar = Optional.ofNullable(fields.get("avatar")).map(e -> avatar(e.value()));
            Optional<String> team = Optional.ofNullable(fields.get("team")).map(e -> teamOf(e.value(), teams));
            boolean broken = (fields.containsKey("avatar") && avatar.isEmpty())
                    || (fields.containsKey("team") && team.isEmpty());
            if (id == null || name == null || role == null || email == null || broken) {
                return null;
            }
            return new Teammate(id, name, role, email, avatar, team);
        }

        /** Text on one line, short enough for a mail header and the widget. */
        private String line(YamlNode node, String field) {
            String text = nonEmptyText(node, field);
            if (text == null) {
                return null;
            }
            String value = text.strip();
            if (value.chars().anyMatch(c -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029')) {
                error(node.at(), "'" + field + "' is one line of text, without line breaks or tabs");
                return null;
            }
            if (value.length() > MAX_NAME) {
                error(node.at(), "'" + field + "' is at most " + MAX_NAME + " characters");
                return null;
            }
            return value;
        }

        private String email(YamlNode node) {
            String text = nonEmptyText(node, "email");
            if (text == null) {
                return null;
            }
            String value = text.strip();
            if (!EMAIL.matcher(value).matches() || value.length() > 254) {
                error(node.at(), "'" + value + "' is not an email address such as belle@acme.example");
                return null;
            }
            return value;
        }

        private String avatar(YamlNode node) {
            String text = nonEmptyText(node, "avatar");
            if (text == null) {
                return null;
            }
            String value = text.strip();
            try {
                URI uri = new URI(value);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null) {
                    return value;
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            error(
                    node.at(),
                    "'" + value + "' is not an http(s) URL of a picture, such as https://acme.example/belle.png");
            return null;
        }

        private String teamOf(YamlNode node, Set<String> teams) {
            String text = nonEmptyText(node, "team");
            if (text == null) {
                return null;
            }
            String value = text.strip();
            if (teams.contains(value)) {
                return value;
            }
            String close = Suggestions.closest(value, teams);
            error(
                    node.at(),
                    "'" + value + "' is not a team in team.yaml"
                            + (close != null
                                    ? " (did you mean '" + close + "'?)"
                                    : teams.isEmpty()
                                            ? "; list it under 'teams'"
                                            : "; teams: " + String.join(", ", teams)));
            return null;
        }

        private Parsed done(Roster roster) {
            return new Parsed(roster == null ? Roster.empty() : roster, problems());
        }
    }
}
