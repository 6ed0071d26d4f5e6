package dev.onramp.journey.load;

import java.util.List;

/** A YAML document as a tree that remembers where each node was written, so every problem can point at it. */
public sealed interface YamlNode {

    Location at();

    /** 1-based line and column. */
    record Location(int line, int column) {}

    /**
     * A scalar: its text exactly as written (so {@code 21:00} stays a time and {@code 010} keeps its zero).
     *
     * @param quoted written in quotes, so its content starts one column after {@link #at()}
     * @param block written as a block scalar ({@code |} or {@code >}), so its content starts on the next line
     */
    record Scalar(String text, boolean isNull, boolean quoted, boolean block, Location at) implements YamlNode {}

    record Mapping(List<Entry> entries, Location at) implements YamlNode {
        public Mapping {
            entries = List.copyOf(entries);
        }
    }

    record Entry(String key, Location keyAt, YamlNode value) {}

    record Sequence(List<YamlNode> items, Location at) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }
    }

    /** What a node is, in a growth marketer's words, for messages. */
    /** A YAML value as the JSON a tracking call would carry: numbers and booleans typed, the rest text. */
    static Object toJava(YamlNode node) {
        return switch (node) {
            case Scalar s when s.isNull() -> null;
            case Scalar s when s.quoted() -> s.text();
            case Scalar s -> typed(s.text());
            case Mapping m -> {
                java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
                m.entries().forEach(e -> out.put(e.key(), toJava(e.value())));
                yield out;
            }
            case Sequence seq -> seq.items().stream().map(YamlNode::toJava).toList();
        };
    }

    private static Object typed(String text) {
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException notLong) {
            if (text.matches("-?\\d+\\.\\d+([eE][-+]?\\d+)?")) {
                return Double.parseDouble(text);
            }
        }
        return text;
    }

    static String describe(YamlNode node) {
        return switch (node) {
            case Scalar s when s.isNull() -> "nothing";
            case Scalar s -> "'" + (s.text().length() > 40 ? s.text().substring(0, 40) + "…" : s.text()) + "'";
            case Mapping m -> "a mapping";
            case Sequence s -> "a list";
        };
    }
}
