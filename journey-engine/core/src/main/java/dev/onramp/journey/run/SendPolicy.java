package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.QuietHours;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one set of rules that decides whether a message goes out now, later, never, or only on paper (holdout): which
 * channel reaches the user, quiet hours and frequency caps. Journeys use it for every nudge and reminder, and anything
 * else the engine sends must use it too, so every message obeys the same caps and quiet hours. The rules by priority
 * and category are the table in {@code docs/journeys.md} ("Send rules"): {@code urgent} passes quiet hours and caps
 * (its sends still count toward them), the {@code security} category passes an unsubscribe (never a suppression), and
 * an open incident holds a journey's messages to the users it told ({@link #HELD}) unless they are {@code urgent}.
 *
 * <p>Pure: the same ask, recipient and instant always give the same verdict.
 */
public final class SendPolicy {

    /**
     * The prefix of the {@link Recipient#blocked} keys an open incident sets on each user its notice reached, while it
     * holds their journey messages: {@code held:inc-42} → {@code incident inc-42 open since ...}.
     */
    public static final String HELD = "held:";

    private final EngineSettings settings;

    public SendPolicy(EngineSettings settings) {
        this.settings = settings;
    }

    /** How much a message may push past the user's quiet hours and frequency caps. */
    public enum Priority {
        MARKETING,
        PRODUCT,
        URGENT;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a message is about: which unsubscribes it obeys. */
    public enum Category {
        MARKETING,
        PRODUCT,
        SECURITY;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What is to be sent.
     *
     * @param channels in order of preference: the first that reaches the user is used, the later ones are fallbacks
     * @param journey whose per-journey unsubscribes apply; null for a message of no journey
     * @param heldOut the user is in a holdout group: nothing is sent, but the verdict says what would have been
     * @param quietHours the sender's quiet hours, in the user's {@code zone}
     */
    public record Ask(
            List<Channel> channels,
            Priority priority,
            Category category,
            String journey,
            boolean heldOut,
            Optional<QuietHours> quietHours,
            ZoneId zone) {

        public Ask {
            channels = List.copyOf(channels);
        }

        /** A journey's nudge or reminder: product priority and category. */
        public static Ask journey(
                List<Channel> channels, String journey, boolean heldOut, Optional<QuietHours> quietHours, ZoneId zone) {
            return new Ask(channels, Priority.PRODUCT, Category.PRODUCT, journey, heldOut, quietHours, zone);
        }
    }

    /**
     * What the engine knows of the user.
     *
     * @param blocked channel (or {@code channel:journey}) → why it is blocked: {@code unsubscribed} or
     *     {@code suppressed: …}
     * @param recent sends that count toward the frequency caps
     */
    public record Recipient(Map<String, Object> traits, Map<String, String> blocked, List<Profile.Sent> recent) {}

    /** The policy's answer, always with the words the decision log shows. */
    public sealed interface Verdict permits Send, Defer, Skip, HoldOut {}

    /**
     * Send now by {@code channel}; {@code fallbacks} are the later channels that reach the user, {@code passedOver}
     * the earlier ones that did not, with why.
     */
    public record Send(Channel channel, List<Channel> fallbacks, List<String> passedOver) implements Verdict {}

    /** Not yet: ask again at {@code until}. */
    public record Defer(Channel channel, Instant until, String reason) implements Verdict {}

    /** Never: no channel reaches the user. */
    public record Skip(String reason) implements Verdict {}

    /** The user is held out: {@code channel} is what would have been used. */
    public record HoldOut(Channel channel, List<String> passedOver) implements Verdict {}

    public Verdict decide(Ask ask, Recipient user, Instant now) {
        List<String> passedOver = new ArrayList<>();
        Channel channel = null;
        for (Channel candidate : ask.channels()) {
            String reason = unreachable(ask, user, candidate);
            if (reason == null) {
                channel = candidate;
                break;
            }
            passedOver.add(candidate + " (" + reason + ")");
        }
        if (channel == null) {
            return new Skip("no channel reaches the user: " + String.join(", ", passedOver));
        }
        if (ask.heldOut()) {
            return new HoldOut(channel, List.copyOf(passedOver));
        }
        if (ask.priority() != Priority.URGENT) {
            String held = heldBy(ask, user);
            if (held != null) {
                Instant again = now.plus(settings.holdRecheck());
                return new Defer(channel, again, "held: " + held + "; tried again at " + again);
            }
            if (channel.respectsQuietHours() && ask.quietHours().isPresent()) {
                QuietHours quiet = ask.quietHours().get();
                Optional<Instant> end = quiet.endOfWindowAt(now, ask.zone());
                if (end.isPresent()) {
                    return new Defer(
                            channel,
                            end.get(),
                            "waits for the end of quiet hours (" + quiet.from() + "–" + quiet.to() + " " + ask.zone()
                                    + ") at " + end.get());
                }
            }
            Instant capEnd = capEnd(user, channel, now);
            if (capEnd != null) {
                return new Defer(channel, capEnd, "waits for the frequency cap until " + capEnd);
            }
        }
        List<Channel> fallbacks = new ArrayList<>(ask.channels()
                .subList(ask.channels().indexOf(channel) + 1, ask.channels().size()));
        fallbacks.removeIf(c -> unreachable(ask, user, c) != null);
        return new Send(channel, List.copyOf(fallbacks), List.copyOf(passedOver));
    }

    /** The open incident holding a journey's message to the user, or null when none does. */
    private static String heldBy(Ask ask, Recipient user) {
        if (ask.journey() == null) {
            return null;
        }
        for (Map.Entry<String, String> block : user.blocked().entrySet()) {
            if (block.getKey().startsWith(HELD)) {
                return block.getValue();
            }
        }
        return null;
    }

    /** The key of {@link Recipient#blocked} for an unsubscribe from every message of a category on a channel. */
    public static String categoryKey(Channel channel, Category category) {
        return channel.wireName() + ":category:" + category.wireName();
    }

    /** Why {@code channel} does not reach the user for this ask, or null when it does. */
    private static String unreachable(Ask ask, Recipient user, Channel channel) {
        String blocked = user.blocked().get(channel.wireName());
        if (blocked == null && ask.journey() != null) {
            blocked = user.blocked().get(channel.wireName() + ":" + ask.journey());
        }
        if (blocked == null && "unsubscribed".equals(user.blocked().get(categoryKey(channel, ask.category())))) {
            blocked = "unsubscribed from " + ask.category().wireName() + " messages";
        }
        if (blocked != null && !(ask.category() == Category.SECURITY && blocked.startsWith("unsubscribed"))) {
            return blocked;
        }
        return switch (channel) {
            case EMAIL -> hasText(user.traits().get("email")) ? null : "no email trait";
            case SMS -> hasText(user.traits().get("phone")) ? null : "no phone trait";
            case IN_APP, WEBHOOK -> null;
        };
    }

    private static boolean hasText(Object value) {
        return value instanceof String s && !s.isBlank();
    }

    /** When the strictest exceeded cap for {@code channel} lets a message through again, or null if none is hit. */
    private Instant capEnd(Recipient user, Channel channel, Instant now) {
        Instant end = null;
        for (Cap cap : settings.caps().getOrDefault(channel, List.of())) {
            Instant windowStart = now.minus(cap.per());
            List<Instant> inWindow = user.recent().stream()
                    .filter(s -> s.channel() == channel && s.at().isAfter(windowStart))
                    .map(Profile.Sent::at)
                    .sorted()
                    .toList();
            if (inWindow.size() >= cap.count()) {
                Instant freed = inWindow.get(inWindow.size() - cap.count()).plus(cap.per());
                if (end == null || freed.isAfter(end)) {
                    end = freed;
                }
            }
        }
        return end;
    }
}
