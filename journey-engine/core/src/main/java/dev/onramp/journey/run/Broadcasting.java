package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.run.Decision.Kind;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a broadcast does for one recipient: the same {@link SendPolicy} as every journey message decides (reachability,
 * quiet hours, frequency caps by priority, unsubscribes by category), the send counts toward the user's caps, and the
 * decision is logged where the explain API shows it, under {@code broadcast:<id>}.
 *
 * <p>Pure: the same state, broadcast and instant always give the same result.
 */
public final class Broadcasting {

    private final EngineSettings settings;
    private final SendPolicy policy;

    public Broadcasting(EngineSettings settings) {
        this.settings = settings;
        this.policy = new SendPolicy(settings);
    }

    /** The journey-log name of a broadcast's decisions. */
    public static String logName(String broadcastId) {
        return "broadcast:" + broadcastId;
    }

    /** What happened to one recipient. */
    public sealed interface Result {
        /** The new state of the user, the decision to log and the message (when one is sent). */
        Outcome outcome();
    }

    /** Handed to message-dispatch by {@code channel}. */
    public record Sent(Outcome outcome, Channel channel, String messageId) implements Result {}

    /** Not now (quiet hours, a frequency cap): ask again at {@code until}. */
    public record Deferred(Outcome outcome, Instant until, String reason) implements Result {}

    /** Never: no channel reaches the user ({@code reason} says why, channel by channel). */
    public record Skipped(Outcome outcome, String reason) implements Result {}

    public Result deliver(UserState state, Broadcast broadcast, Instant now) {
        Profile profile = state.profile();
        String user = profile.userId();
        SendPolicy.Ask ask = new SendPolicy.Ask(
                broadcast.channels(),
                broadcast.priority(),
                broadcast.category(),
                null,
                false,
                broadcast.quietHours(),
                zoneOf(profile.traits()));
        SendPolicy.Verdict verdict = policy.decide(
                ask, new SendPolicy.Recipient(profile.traits(), profile.blocked(), profile.recent()), now);
        String log = logName(broadcast.id());
        return switch (verdict) {
            case SendPolicy.Send send -> {
                String messageId = MessageIds.ofBroadcast(broadcast.id(), user);
                Object trait = profile.traits().get("locale");
                String locale = trait instanceof String l && !l.isBlank() ? l : null;
                Map<Channel, Map<String, String>> content = new LinkedHashMap<>();
                broadcast.content().forEach((channel, c) -> content.put(channel, c.forLocale(locale)));
                MessageRequest message = new MessageRequest(
                        messageId,
                        broadcast.incident() == null ? MessageRequest.Origin.BROADCAST : MessageRequest.Origin.INCIDENT,
                        broadcast.priority(),
                        broadcast.category(),
                        broadcast.id(),
                        null,
                        0,
                        null,
                        null,
                        0,
                        send.channel(),
                        send.fallbacks(),
                        broadcast.template(),
                        locale,
                        user,
                        profile.traits(),
                        context(broadcast, ask.zone()),
                        broadcast.sender(),
                        now,
                        now,
                        content,
                        broadcast.replies());
                List<Profile.Sent> recent = new ArrayList<>(profile.recent());
                recent.add(new Profile.Sent(send.channel(), now));
                String fallback =
                        send.passedOver().isEmpty() ? "" : " (fallback: " + String.join(", ", send.passedOver()) + ")";
                Decision decision = new Decision(
                        now,
                        user,
                        log,
                        0,
                        null,
                        Kind.MESSAGE_SENT,
                        "broadcast by " + send.channel() + " (" + broadcast.written() + ")" + fallback,
                        messageId);
                Map<String, String> blocked = profile.blocked();
                if (broadcast.holdsNudges() && broadcast.incident() != null) {
                    blocked = new LinkedHashMap<>(blocked);
                    blocked.put(
                            SendPolicy.HELD + broadcast.incident(),
                            "incident " + broadcast.incident() + " open since " + now);
                }
                UserState next = new UserState(
                        new Profile(user, profile.traits(), blocked, trimmed(recent, now)), state.enrollments());
                yield new Sent(new Outcome(next, List.of(decision), List.of(message)), send.channel(), messageId);
            }
            case SendPolicy.Defer defer ->
                new Deferred(
                        unchanged(
                                state,
                                new Decision(
                                        now,
                                        user,
                                        log,
                                        0,
                                        null,
                                        Kind.MESSAGE_DEFERRED,
                                        "broadcast by " + defer.channel() + " " + defer.reason(),
                                        null)),
                        defer.until(),
                        defer.reason());
            case SendPolicy.Skip skip ->
                new Skipped(
                        unchanged(
                                state,
                                new Decision(
                                        now,
                                        user,
                                        log,
                                        0,
                                        null,
                                        Kind.MESSAGE_SKIPPED,
                                        "broadcast not sent: " + skip.reason(),
                                        null)),
                        skip.reason());
            case SendPolicy.HoldOut held -> throw new IllegalStateException("a broadcast has no holdout group");
        };
    }

    /** The user's state as it was, and one line in their journey log. */
    private static Outcome unchanged(UserState state, Decision decision) {
        return new Outcome(state, List.of(decision), List.of());
    }

    /** What a recipient with these traits would see as {@code context}: for the console's preview. */
    public Map<String, Object> templateContext(Broadcast broadcast, Map<String, Object> traits) {
        return context(broadcast, zoneOf(traits));
    }

    /**
     * What the template sees as {@code context}: for an incident's message, the incident's id and when the next update
     * comes — as an instant, and as the time on the recipient's clock ("14:00 CET").
     */
    private static Map<String, Object> context(Broadcast broadcast, ZoneId zone) {
        if (broadcast.incident() == null) {
            return Map.of();
        }
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("incident", broadcast.incident());
        if (broadcast.nextUpdateBy() != null) {
            context.put("nextUpdateBy", broadcast.nextUpdateBy().toString());
            context.put(
                    "nextUpdateAt",
                    DateTimeFormatter.ofPattern("HH:mm zzz", Locale.ENGLISH)
                            .format(broadcast.nextUpdateBy().atZone(zone)));
        }
        return context;
    }

    /** The user's time zone: their {@code timezone} trait when it names one, else the engine's default zone. */
    public ZoneId zoneOf(Map<String, Object> traits) {
        if (traits.get("timezone") instanceof String tz) {
            try {
                return ZoneId.of(tz);
            } catch (DateTimeException ignored) {
                // an invalid trait falls back like a missing one
            }
        }
        return settings.defaultZone();
    }

    /** Sends older than the longest cap no longer matter, as the journeys keep them. */
    private List<Profile.Sent> trimmed(List<Profile.Sent> recent, Instant now) {
        Duration horizon = settings.capHorizon();
        return recent.stream()
                .filter(s -> !horizon.isZero() && s.at().isAfter(now.minus(horizon)))
                .toList();
    }
}
