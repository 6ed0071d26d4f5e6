package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.QuietHours;
import dev.onramp.journey.model.Teammate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One message for many users, sent by a person rather than triggered by each user's own events
 * ({@code docs/broadcasts.md}): what it says (a template, in each recipient's locale), by which channels, with what
 * priority and category, signed by whom.
 *
 * @param channels in order of preference, the later ones fallbacks, as in a journey step
 * @param template the template of the templates folder it is written in; null when its content is inline
 * @param content its own content per channel, when it is not written in a template; empty otherwise
 * @param quietHours the recipients' quiet hours, in each one's time zone; empty when it has none
 * @param sender the teammate who signs it; null when the product itself does
 * @param incident the incident it is the notice, an update or the resolve of; null for a broadcast of its own
 * @param nextUpdateBy for an incident's message, when the next update will come; null when it says none
 * @param holdsNudges an incident's notice that holds the journey messages of each user it reaches until the incident
 *     is resolved
 * @param replies whether recipients may reply to it
 */
public record Broadcast(
        String id,
        String name,
        List<Channel> channels,
        String template,
        Map<Channel, Content> content,
        SendPolicy.Priority priority,
        SendPolicy.Category category,
        Optional<QuietHours> quietHours,
        Teammate sender,
        String incident,
        Instant nextUpdateBy,
        boolean holdsNudges,
        boolean replies) {

    /** A broadcast that takes no replies. */
    public Broadcast(
            String id,
            String name,
            List<Channel> channels,
            String template,
            Map<Channel, Content> content,
            SendPolicy.Priority priority,
            SendPolicy.Category category,
            Optional<QuietHours> quietHours,
            Teammate sender,
            String incident,
            Instant nextUpdateBy,
            boolean holdsNudges) {
        this(
                id,
                name,
                channels,
                template,
                content,
                priority,
                category,
                quietHours,
                sender,
                incident,
                nextUpdateBy,
                holdsNudges,
                false);
    }

    public Broadcast {
        Objects.requireNonNull(id, "id");
        channels = List.copyOf(channels);
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("a broadcast needs a channel");
        }
        quietHours = quietHours == null ? Optional.empty() : quietHours;
        content = content == null ? Map.of() : Map.copyOf(content);
        if ((template == null) == content.isEmpty()) {
            throw new IllegalArgumentException("a broadcast has a template or content of its own, not both");
        }
    }

    /** What it says by one channel: header fields ({@code subject}, {@code title}...), {@code body}, translations. */
    public record Content(Map<String, String> fields, Map<String, Map<String, String>> locales) {
        public Content {
            fields = Map.copyOf(fields);
            locales = locales == null ? Map.of() : Map.copyOf(locales);
        }

        /**
         * The version for a user's locale: the exact tag if written, else its language, else the default — the way
         * a template file is chosen.
         */
        public Map<String, String> forLocale(String locale) {
            if (locale != null && !locale.isBlank()) {
                String tag = locale.replace('_', '-');
                for (var entry : locales.entrySet()) {
                    if (entry.getKey().equalsIgnoreCase(tag)) {
                        return entry.getValue();
                    }
                }
                String language = tag.split("-")[0];
                for (var entry : locales.entrySet()) {
                    if (entry.getKey().equalsIgnoreCase(language)) {
                        return entry.getValue();
                    }
                }
            }
            return fields;
        }
    }

    /** What the journey log calls what it says: the template's name, or "inline". */
    public String written() {
        return template == null ? "inline" : template;
    }
}
