package dev.onramp.engine.progress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Caps what an identify call adds to a user's traits: how many traits, how large one value, how large all of them.
 * A trait that would pass a limit is refused with a reason and the rest are kept, so that no user's state or message
 * can grow past what PostgreSQL and Kafka carry. Removing a trait (setting it to null) is always allowed.
 */
record TraitLimits(int maxTraits, int maxTraitBytes, int maxProfileBytes) {

    /** The traits to merge, and why the others were refused ({@code name: reason}). */
    record Capped(Map<String, Object> traits, List<String> refused) {}

    Capped cap(Map<String, Object> current, Map<String, Object> incoming, ObjectMapper json) {
        if (incoming.isEmpty() || obviouslyWithin(current, incoming)) {
            return new Capped(incoming, List.of());
        }
        Map<String, Object> kept = new LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        int count = current.size();
        long total = size(current, json);
        for (var entry : incoming.entrySet()) {
            String name = entry.getKey();
            Object value = entry.getValue();
            boolean present = current.containsKey(name) || kept.containsKey(name);
            long before = present ? size(name, kept.containsKey(name) ? kept.get(name) : current.get(name), json) : 0;
            if (value == null) {
                kept.put(name, null);
                total -= before;
                count -= present ? 1 : 0;
                continue;
            }
            long valueBytes = size(value, json);
            long after = name.length() + valueBytes + 4;
            if (valueBytes > maxTraitBytes) {
                refused.add(name + ": its value has " + valueBytes + " bytes, over the limit of " + maxTraitBytes
                        + " (onramp.engine.profiles.max-trait-bytes)");
            } else if (!present && count + 1 > maxTraits) {
                refused.add(name + ": the user has " + count + " traits already, the limit"
                        + " (onramp.engine.profiles.max-traits)");
            } else if (total - before + after > maxProfileBytes) {
                refused.add(name + ": the user's traits would take " + (total - before + after)
                        + " bytes, over the limit of " + maxProfileBytes
                        + " (onramp.engine.profiles.max-profile-bytes)");
            } else {
                kept.put(name, value);
                total += after - before;
                count += present ? 0 : 1;
            }
        }
        return new Capped(refused.isEmpty() ? incoming : kept, refused);
    }

    /**
     * Whether the merge cannot pass any limit, judged by an upper bound on the JSON size that needs no serialising:
     * the common case of a few short traits costs next to nothing.
     */
    private boolean obviouslyWithin(Map<String, Object> current, Map<String, Object> incoming) {
        if (current.size() + incoming.size() > maxTraits) {
            return false;
        }
        long total = 2;
        for (var entry : incoming.entrySet()) {
            long value = bound(entry.getValue(), 0);
            if (value > maxTraitBytes) {
                return false;
            }
            total += bound(entry.getKey(), 0) + value + 2;
        }
        for (var entry : current.entrySet()) {
            total += bound(entry.getKey(), 0) + bound(entry.getValue(), 0) + 2;
            if (total > maxProfileBytes) {
                return false;
            }
        }
        return total <= maxProfileBytes;
    }

    /** At least as many bytes as the value takes as JSON (a character escapes to at most six bytes). */
    private static long bound(Object value, int depth) {
        return switch (value) {
            case null -> 4;
            case String s -> 2 + 6L * s.length();
            case Integer i -> 11;
            case Long l -> 20;
            case Double d -> 32;
            case Boolean b -> 5;
            case Map<?, ?> m
            when depth < 32 -> {
                long total = 2;
                for (var e : m.entrySet()) {
                    total += bound(String.valueOf(e.getKey()), depth + 1) + bound(e.getValue(), depth + 1) + 2;
                }
                yield total;
            }
            case Iterable<?> list
            when depth < 32 -> {
                long total = 2;
                for (Object o : list) {
                    total += bound(o, depth + 1) + 1;
                }
                yield total;
            }
            default -> Long.MAX_VALUE / 4;
        };
    }

    private static long size(String name, Object value, ObjectMapper json) {
        return name.length() + size(value, json) + 4;
    }

    private static long size(Object value, ObjectMapper json) {
        try {
            return json.writeValueAsBytes(value).length;
        } catch (JsonProcessingException e) {
            return Long.MAX_VALUE / 4;
        }
    }
}
