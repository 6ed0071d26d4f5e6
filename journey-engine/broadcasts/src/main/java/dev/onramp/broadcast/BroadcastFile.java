package dev.onramp.broadcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.journey.load.JourneyDirectory;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.load.YamlNode;
import dev.onramp.journey.load.YamlReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A broadcast written as a YAML file in the journeys folder's {@code broadcasts/}: the body of
 * {@code POST /v1/broadcasts} in YAML (or, with {@code kind: incident}, of {@code POST /v1/incidents}), checked by the
 * same rules ({@link BroadcastSpec#read}) with every problem at its {@code file:line:col}. Reading a file never sends it; {@code onramp broadcast send FILE} does, under a key
 * derived from what it says ({@link #idempotencyKey}).
 */
public final class BroadcastFile {

    /** The folder of the journeys folder that holds them. */
    public static final String FOLDER = JourneyDirectory.BROADCASTS;

    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");
    /** A position inside a field's value, as the rules report it: {@code 1:14: message}. */
    private static final Pattern INSIDE = Pattern.compile("^(\\d+):(\\d+): (.*)$", Pattern.DOTALL);

    private static final ObjectMapper CANONICAL =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /**
     * One file read.
     *
     * @param body the request it is, as JSON; null when it is not YAML at all
     * @param spec the broadcast; null when there is a problem
     * @param problems every problem, at {@code file:line:col}
     */
    public record Read(String file, Kind kind, ObjectNode body, BroadcastSpec spec, List<Problem> problems) {
        public boolean ok() {
            return spec != null && problems.isEmpty();
        }
    }

    /** What a file sends ({@code kind:}): a broadcast, or the first notice of an incident it opens. */
    public enum Kind {
        BROADCAST("/v1/broadcasts", BroadcastSpec.Form.BROADCAST),
        INCIDENT("/v1/incidents", BroadcastSpec.Form.INCIDENT_NOTICE);

        private final String path;
        private final BroadcastSpec.Form form;

        Kind(String path, BroadcastSpec.Form form) {
            this.path = path;
            this.form = form;
        }

        /** Where journey-engine takes its body. */
        public String path() {
            return path;
        }

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private BroadcastFile() {}

    /** The broadcast files of a journeys folder, in a stable order; none when it has no {@code broadcasts/}. */
    public static List<Path> files(Path journeys) {
        Path folder = journeys.resolve(FOLDER);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> {
                        String n = f.getFileName().toString();
                        return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml"));
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + folder, e);
        }
    }

    /**
     * Reads and checks one file.
     *
     * @param shown the file's name as problems show it (relative to where the command was run)
     */
    public static Read read(Path file, String shown, BroadcastSpec.Context context) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return unusable(shown, null, 0, 0, "cannot read: " + e);
        }
        return read(text, shown, context);
    }

    /** Reads and checks a file's text. */
    public static Read read(String text, String shown, BroadcastSpec.Context context) {
        YamlNode root;
        try {
            root = new YamlReader().read(text);
        } catch (YamlReader.SyntaxError e) {
            return unusable(shown, null, e.location().line(), e.location().column(), e.getMessage());
        }
        if (!(root instanceof YamlNode.Mapping)) {
            YamlNode.Location at = root == null ? new YamlNode.Location(1, 1) : root.at();
            return unusable(
                    shown,
                    null,
                    at.line(),
                    at.column(),
                    "a broadcast file is a mapping of the fields of POST /v1/broadcasts (name, audience, channels,"
                            + " ...; docs/broadcasts.md)");
        }
        Map<String, YamlNode> nodes = new HashMap<>();
        Map<String, YamlNode.Location> keys = new HashMap<>();
        ObjectNode body = (ObjectNode) json(root, "", nodes, keys);
        Kind kind = Kind.BROADCAST;
        JsonNode named = body.remove("kind");
        if (named != null) {
            kind = java.util.Arrays.stream(Kind.values())
                    .filter(k -> k.wireName().equals(named.asText()))
                    .findFirst()
                    .orElse(null);
            if (kind == null) {
                YamlNode.Location at = nodes.get("/kind").at();
                return unusable(
                        shown,
                        body,
                        at.line(),
                        at.column(),
                        "kind: broadcast (POST /v1/broadcasts, the default) or incident (POST /v1/incidents: it opens"
                                + " an incident with this first notice)");
            }
        }
        try {
            BroadcastSpec spec =
                    BroadcastSpec.read(body, context, kind.form, kind == Kind.INCIDENT ? "inc-from-file" : null, null);
            return new Read(shown, kind, body, spec, List.of());
        } catch (BroadcastSpec.Invalid e) {
            List<Problem> problems = new ArrayList<>();
            String[] lines = text.split("\n", -1);
            for (BroadcastSpec.FieldError error : e.errors()) {
                problems.add(locate(shown, error, nodes, keys, lines));
            }
            if (problems.isEmpty()) {
                problems.add(new Problem(shown, 1, 1, Problem.Severity.ERROR, e.getMessage()));
            }
            problems.sort(Problem.ORDER);
            return new Read(shown, kind, body, null, List.copyOf(problems));
        }
    }

    /** A file that is no broadcast at all, for one reason. */
    private static Read unusable(String shown, ObjectNode body, int line, int column, String message) {
        return new Read(
                shown,
                Kind.BROADCAST,
                body,
                null,
                List.of(new Problem(shown, line, column, Problem.Severity.ERROR, message)));
    }

    /**
     * The {@code Idempotency-Key} {@code onramp broadcast send} gives the file's request: a digest of what it says
     * (its JSON, fields in order), so sending the same file again — reformatted, its comments changed — creates
     * nothing, and any change to what it says is another broadcast.
     */
    public static String idempotencyKey(Kind kind, ObjectNode body) {
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(body, Object.class));
            return "onramp-" + kind.wireName() + "-file:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The problem at the node its pointer names, or the nearest node above it that the file has (a missing field is
     * reported where its mapping is); a position inside a value ({@code 1:14: ...}, an audience expression or a
     * message's text) is moved to where that is in the file.
     */
    private static Problem locate(
            String shown,
            BroadcastSpec.FieldError error,
            Map<String, YamlNode> nodes,
            Map<String, YamlNode.Location> keys,
            String[] lines) {
        String pointer = error.pointer();
        YamlNode node = nodes.get(pointer);
        boolean exact = node != null;
        while (node == null && !pointer.isEmpty()) {
            pointer = pointer.substring(0, Math.max(0, pointer.lastIndexOf('/')));
            node = nodes.get(pointer);
        }
        String field = error.pointer().substring(1).replace('/', '.');
        if (node == null) {
            return new Problem(shown, 1, 1, Problem.Severity.ERROR, field + ": " + error.detail());
        }
        // A field that should not be there is shown at its name, any other mistake at its value.
        YamlNode.Location at =
                exact && error.detail().startsWith(BroadcastSpec.NOT_A_FIELD) && keys.containsKey(pointer)
                        ? keys.get(pointer)
                        : node.at();
        int line = at.line();
        int column = at.column();
        String detail = error.detail();
        Matcher inside = INSIDE.matcher(detail);
        if (exact && inside.matches() && node instanceof YamlNode.Scalar scalar) {
            int l = Integer.parseInt(inside.group(1));
            int c = Integer.parseInt(inside.group(2));
            detail = inside.group(3);
            if (scalar.block()) {
                line = node.at().line() + l;
                column = indent(lines, line) + c;
            } else if (l == 1) {
                column = node.at().column() + (scalar.quoted() ? 1 : 0) + c - 1;
            } else {
                line = node.at().line() + l - 1;
                column = c;
            }
        }
        return new Problem(shown, line, column, Problem.Severity.ERROR, field + ": " + detail);
    }

    private static int indent(String[] lines, int line) {
        if (line < 1 || line > lines.length) {
            return 0;
        }
        String text = lines[line - 1];
        int i = 0;
        while (i < text.length() && text.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    /**
     * The YAML as the JSON body it stands for: an unquoted {@code true}, {@code false}, number or {@code null} is that
     * value, anything else (a quoted value, {@code 09:00}, a date) is text. Each node is remembered by its pointer.
     */
    private static JsonNode json(
            YamlNode node, String pointer, Map<String, YamlNode> nodes, Map<String, YamlNode.Location> keys) {
        nodes.put(pointer, node);
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (node) {
            case YamlNode.Mapping m -> {
                ObjectNode out = f.objectNode();
                for (YamlNode.Entry e : m.entries()) {
                    String at = pointer + "/" + escape(e.key());
                    keys.put(at, e.keyAt());
                    out.set(e.key(), json(e.value(), at, nodes, keys));
                }
                yield out;
            }
            case YamlNode.Sequence s -> {
                ArrayNode out = f.arrayNode();
                for (int i = 0; i < s.items().size(); i++) {
                    out.add(json(s.items().get(i), pointer + "/" + i, nodes, keys));
                }
                yield out;
            }
            case YamlNode.Scalar s when s.isNull() -> f.nullNode();
            case YamlNode.Scalar s when s.quoted() || s.block() -> f.textNode(s.text());
            case YamlNode.Scalar s
            when s.text().equals("true") || s.text().equals("false") -> f.booleanNode(Boolean.parseBoolean(s.text()));
            case YamlNode.Scalar s when INTEGER.matcher(s.text()).matches() -> f.numberNode(new BigInteger(s.text()));
            case YamlNode.Scalar s when DECIMAL.matcher(s.text()).matches() -> f.numberNode(new BigDecimal(s.text()));
            case YamlNode.Scalar s -> f.textNode(s.text());
        };
    }

    /** A key as a JSON Pointer token (RFC 6901). */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
