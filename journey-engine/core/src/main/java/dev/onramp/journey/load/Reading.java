package dev.onramp.journey.load;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.Problem.Severity;
import dev.onramp.journey.load.YamlNode.Entry;
import dev.onramp.journey.load.YamlNode.Location;
import dev.onramp.journey.load.YamlNode.Mapping;
import dev.onramp.journey.load.YamlNode.Scalar;
import dev.onramp.journey.model.Condition;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Teammate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reading one YAML file of the journeys directory (a journey, {@code team.yaml}) into a model: the checks every such
 * file shares — known and single fields, required ones, text, ids — each reporting its problem at the node's line and
 * column and going on, so one pass finds every problem.
 */
class Reading {

    static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");

    protected final String file;
    protected final List<Problem> problems = new ArrayList<>();

    Reading(String file) {
        this.file = file;
    }

    boolean hasErrors() {
        return problems.stream().anyMatch(Problem::isError);
    }

    /** The problems found so far, in file order. */
    List<Problem> problems() {
        List<Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Problem.ORDER);
        return List.copyOf(sorted);
    }

    void error(Location at, String message) {
        problems.add(new Problem(file, at.line(), at.column(), Severity.ERROR, message));
    }

    void warning(Location at, String message) {
        problems.add(new Problem(file, at.line(), at.column(), Severity.WARNING, message));
    }

    /**
     * The entries of a mapping by key, reporting unknown and repeated keys.
     *
     * @param what how to name the mapping in messages; {@code null} to not report (already reported)
     */
    Map<String, Entry> fields(Mapping mapping, Set<String> allowed, String what) {
        Map<String, Entry> fields = new HashMap<>();
        for (Entry entry : mapping.entries()) {
            if (!allowed.contains(entry.key())) {
                if (what != null) {
                    String close = Suggestions.closest(entry.key(), allowed);
                    error(
                            entry.keyAt(),
                            "unknown field '" + entry.key() + "' in " + what
                                    + (close == null
                                            ? "; expected one of: " + String.join(", ", allowed)
                                            : "; did you mean '" + close + "'?"));
                }
                continue;
            }
            Entry previous = fields.putIfAbsent(entry.key(), entry);
            if (previous != null && what != null) {
                error(
                        entry.keyAt(),
                        "'" + entry.key() + "' is given twice in " + what + " (first at line "
                                + previous.keyAt().line() + ")");
            }
        }
        return fields;
    }

    /** The node as a mapping; null (reported as "{@code shape}, not …") when it is something else. */
    Mapping mapping(YamlNode node, String shape) {
        if (node instanceof Mapping mapping) {
            return mapping;
        }
        error(node.at(), shape + ", not " + YamlNode.describe(node));
        return null;
    }

    Optional<Entry> required(Map<String, Entry> fields, String field, Location parent, String what) {
        Entry entry = fields.get(field);
        if (entry == null) {
            error(parent, "'" + field + "' is required: " + what);
        }
        return Optional.ofNullable(entry);
    }

    /** An id: lower-case letters, digits, '-' and '_'; null (reported) when missing or malformed. */
    String id(Entry entry, Location parent, String field, String what) {
        if (entry == null) {
            error(parent, "'" + field + "' is required: " + what);
            return null;
        }
        String id = nonEmptyText(entry.value(), field);
        if (id != null && !ID.matcher(id).matches()) {
            error(
                    entry.value().at(),
                    "'" + id + "' is not a valid id: use lower-case letters, digits, '-' and '_',"
                            + " starting with a letter or digit");
            return null;
        }
        return id;
    }

    String optionalText(Entry entry) {
        if (entry == null) {
            return null;
        }
        if (!(entry.value() instanceof Scalar scalar)) {
            error(entry.value().at(), "'" + entry.key() + "' is text, not " + YamlNode.describe(entry.value()));
            return null;
        }
        return scalar.isNull() ? null : scalar.text();
    }

    /** A yes-or-no field: {@code true} or {@code false}; {@code absent} when it is not there. */
    boolean flag(Entry entry, boolean absent) {
        if (entry == null) {
            return absent;
        }
        if (entry.value() instanceof Scalar scalar && !scalar.isNull()) {
            if (scalar.text().equals("true")) {
                return true;
            }
            if (scalar.text().equals("false")) {
                return false;
            }
        }
        error(entry.value().at(), "'" + entry.key() + "' is true or false, not " + YamlNode.describe(entry.value()));
        return absent;
    }

    /**
     * A CEL condition, compiled; each issue of it reported at its own line and column in the file (within a block or
     * quoted scalar too). Null when it does not compile.
     */
    Condition condition(YamlNode node, Conditions conditions) {
        if (!(node instanceof Scalar scalar) || scalar.isNull() || scalar.text().isBlank()) {
            error(
                    node.at(),
                    "a condition is a CEL expression such as user.traits.role != \"guest\", not "
                            + YamlNode.describe(node));
            return null;
        }
        Conditions.Compiled compiled = conditions.compile(scalar.text());
        if (compiled.ok()) {
            return compiled.condition();
        }
        for (Conditions.Issue issue : compiled.issues()) {
            Location at = scalar.at();
            int line = at.line() + issue.line() - 1 + (scalar.block() ? 1 : 0);
            int column = issue.line() == 1 && !scalar.block()
                    ? at.column() + issue.column() - 1 + (scalar.quoted() ? 1 : 0)
                    : issue.column();
            problems.add(
                    new Problem(file, line, column, Problem.Severity.ERROR, "condition: " + tidy(issue.message())));
        }
        return null;
    }

    private static String tidy(String celMessage) {
        String message = celMessage.strip();
        int newline = message.indexOf('\n');
        message = newline > 0 ? message.substring(0, newline) : message;
        // CEL lists every overload it tried; the types it was given say what is wrong.
        int candidates = message.indexOf(" (candidates:");
        return candidates > 0 ? message.substring(0, candidates) : message;
    }

    String nonEmptyText(YamlNode node, String field) {
        if (!(node instanceof Scalar scalar) || scalar.isNull() || scalar.text().isBlank()) {
            error(node.at(), "'" + field + "' needs a value, not " + YamlNode.describe(node));
            return null;
        }
        return scalar.text();
    }

    /**
     * A teammate named by id (a journey's, a step's or a broadcast's {@code sender}); null (reported, with the closest
     * id) when {@code team.yaml} has no such teammate.
     *
     * @param roster null when {@code team.yaml} itself has errors: those are reported, and a sender is not also
     *     reported missing from it
     */
    Teammate teammate(YamlNode node, Roster roster, String field) {
        String id = nonEmptyText(node, field);
        if (id == null || roster == null) {
            return null;
        }
        Optional<Teammate> teammate = roster.teammate(id.strip());
        if (teammate.isPresent()) {
            return teammate.get();
        }
        if (roster.teammateIds().isEmpty()) {
            error(
                    node.at(),
                    "'" + field + "' names teammate '" + id + "', but there is no " + TeamParser.FILE
                            + " beside the journeys to say who that is");
        } else {
            String close = Suggestions.closest(id, roster.teammateIds());
            error(
                    node.at(),
                    "'" + id + "' is not a teammate in " + TeamParser.FILE
                            + (close == null
                                    ? "; teammates: " + String.join(", ", roster.teammateIds())
                                    : " (did you mean '" + close + "'?)"));
        }
        return null;
    }
}
