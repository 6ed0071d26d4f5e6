package dev.onramp.journey.load;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads YAML with Jackson's YAML parser into a {@link YamlNode} tree that keeps locations. Hostile input is bounded:
 * few aliases (no "billion laughs"), limited nesting and size, one document per file. Nothing is ever instantiated
 * from tags.
 */
public final class YamlReader {

    /** A file that is not YAML at all, with where the parser gave up. */
    public static final class SyntaxError extends Exception {
        private final YamlNode.Location location;

        SyntaxError(String message, YamlNode.Location location) {
            super(message, null, false, false);
            this.location = location;
        }

        public YamlNode.Location location() {
            return location;
        }
    }

    private static final int MAX_DEPTH = 64;
    private final YAMLFactory factory;

    public YamlReader() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(20);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(1_000_000);
        factory = YAMLFactory.builder()
                .loaderOptions(options)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(100_000)
                        .build())
                .build();
    }

    /** The document's root; {@code null} for an empty file. */
    public YamlNode read(String text) throws SyntaxError {
        String[] lines = text.split("\n", -1);
        try (JsonParser parser = factory.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return null;
            }
            YamlNode root = node(parser, lines, 0);
            JsonToken after = parser.nextToken();
            if (after != null) {
                throw new SyntaxError(
                        "a journey file holds one YAML document; remove the second '---' and what follows",
                        location(parser.currentTokenLocation()));
            }
            return root;
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            // SnakeYAML's messages repeat the location and quote the source; keep the first line, lower-cased.
            int newline = message.indexOf('\n');
            if (newline > 0) {
                message = message.substring(0, newline);
            }
            throw new SyntaxError("not valid YAML: " + message.strip(), location(e.getLocation()));
        } catch (IOException e) {
            throw new SyntaxError("cannot read: " + e.getMessage(), new YamlNode.Location(1, 1));
        } catch (RuntimeException e) {
            // SnakeYAML reports some limits (aliases, code points) as unchecked exceptions.
            throw new SyntaxError("not valid YAML: " + e.getMessage(), new YamlNode.Location(1, 1));
        }
    }

    private YamlNode node(JsonParser parser, String[] lines, int depth) throws IOException, SyntaxError {
        YamlNode.Location at = location(parser.currentTokenLocation());
        if (depth > MAX_DEPTH) {
            throw new SyntaxError("nested more than " + MAX_DEPTH + " levels deep", at);
        }
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                List<YamlNode.Entry> entries = new ArrayList<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    YamlNode.Location keyAt = location(parser.currentTokenLocation());
                    parser.nextToken();
                    entries.add(new YamlNode.Entry(key, keyAt, node(parser, lines, depth + 1)));
                }
                return new YamlNode.Mapping(entries, at);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(node(parser, lines, depth + 1));
                }
                return new YamlNode.Sequence(items, at);
            }
            case VALUE_NULL -> {
                return new YamlNode.Scalar(null, true, false, false, at);
            }
            default -> {
                if (parser instanceof YAMLParser yamlParser && yamlParser.isCurrentAlias()) {
                    throw new SyntaxError(
                            "aliases (*" + parser.getText()
                                    + ") are not supported in journey files; write the value out",
                            at);
                }
                char first = charAt(lines, at);
                return new YamlNode.Scalar(
                        parser.getText(), false, first == '"' || first == '\'', first == '|' || first == '>', at);
            }
        }
    }

    private static char charAt(String[] lines, YamlNode.Location at) {
        int line = at.line() - 1;
        int column = at.column() - 1;
        if (line < 0 || line >= lines.length || column < 0 || column >= lines[line].length()) {
            return 0;
        }
        return lines[line].charAt(column);
    }

    private static YamlNode.Location location(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return new YamlNode.Location(1, 1);
        }
        return new YamlNode.Location(location.getLineNr(), Math.max(1, location.getColumnNr()));
    }
}
