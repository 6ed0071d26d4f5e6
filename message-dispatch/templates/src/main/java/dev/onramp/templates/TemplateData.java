package dev.onramp.templates;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a template can use, built the same way by message-dispatch and by the preview tool: {@code user} (id,
 * traits), {@code context} (the enrolling event's properties), {@code links}, {@code journey}, {@code step} and
 * {@code message} (id, channel) and {@code sender} (the teammate who signs it: id, name, role, email, avatar; empty when
 * nobody does).
 */
public final class TemplateData {

    private TemplateData() {}

    /**
     * @param links named addresses; {@code app} is the product's own
     * @param sender the signing teammate's fields (id, name, role, email, avatar); empty when nobody signs it
     */
    public static Map<String, Object> of(
            String userId,
            Map<String, Object> traits,
            Map<String, Object> context,
            String journey,
            String step,
            String messageId,
            Channel channel,
            Map<String, String> links,
            Map<String, Object> sender) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("id", userId);
        user.put("traits", traits == null ? Map.of() : traits);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("user", user);
        data.put("context", context == null ? Map.of() : context);
        data.put("links", new LinkedHashMap<>(links));
        data.put("journey", journey);
        data.put("step", step);
        data.put("message", Map.of("id", messageId, "channel", channel.wireName()));
        data.put("sender", sender == null ? Map.of() : sender);
        return data;
    }
}
