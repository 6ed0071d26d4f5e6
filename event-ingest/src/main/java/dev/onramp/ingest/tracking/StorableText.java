package dev.onramp.ingest.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Text that every part of the pipeline can store: no NUL character (PostgreSQL refuses it in {@code text} and
 * {@code jsonb}) and no unpaired UTF-16 surrogate (it has no UTF-8 encoding, so neither Kafka's consumers nor
 * PostgreSQL can read it back). Identifiers with such characters are refused; free-form objects (properties, traits,
 * context) are cleaned, each bad character replaced by U+FFFD, as a UTF-8 decoder does with bytes it cannot read.
 */
final class StorableText {

    static final char REPLACEMENT = '\uFFFD';

    private StorableText() {}

    static boolean isStorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return false;
                }
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static String clean(String text) {
        if (isStorable(text)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                out.append(REPLACEMENT);
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(REPLACEMENT);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Cleans every string and field name in the tree, in place.
     *
     * @return how many strings and names had to be cleaned
     */
    static int clean(JsonNode node) {
        int cleaned = 0;
        if (node instanceof ObjectNode object) {
            List<String> badNames = null;
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                if (!isStorable(field.getKey())) {
                    if (badNames == null) {
                        badNames = new ArrayList<>();
                    }
                    badNames.add(field.getKey());
                }
                JsonNode value = field.getValue();
                if (value.isTextual()) {
                    if (!isStorable(value.textValue())) {
                        field.setValue(TextNode.valueOf(clean(value.textValue())));
                        cleaned++;
                    }
                } else if (value.isContainerNode()) {
                    cleaned += clean(value);
                }
            }
            if (badNames != null) {
                for (String name : badNames) {
                    JsonNode value = object.remove(name);
                    object.putIfAbsent(clean(name), value);
                    cleaned++;
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                if (value.isTextual()) {
                    if (!isStorable(value.textValue())) {
                        array.set(i, TextNode.valueOf(clean(value.textValue())));
                        cleaned++;
                    }
                } else if (value.isContainerNode()) {
                    cleaned += clean(value);
                }
            }
        }
        return cleaned;
    }
}
