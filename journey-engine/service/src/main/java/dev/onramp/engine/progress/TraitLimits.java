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
        if (incoming.isEmpty()) {
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
