package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.ledger.DeliveryStatus;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.templates.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Dispatch's delivery state machine, as a pure function: (state, what happened) → the next state and the delivery
 * events that report it. Nothing here reads a clock, a database or a provider; {@link DeliveryRounds} reads and
 * writes, and applies the {@link Step}'s effects in the same transaction.
 *
 * <pre>
 * pending ──route──▶ delivered (in-app)            pending ◀── transient, retries left
 *    │                                                ▲
 *    ├──route──▶ queued ──start──▶ sending ──outcome──┼──▶ sent ──provider──▶ delivered | failed
 *    │                                                ├──▶ delivered (webhook)
 *    └──no channel──▶ failed ◀── no channel left ◀────┴── permanent / rejected / retries spent: next channel
 * </pre>
 *
 * Delivery facts are monotone: {@code delivered} and {@code failed} are final, and a provider's report about a
 * message that already has one changes nothing and reports nothing.
 */
public final class DeliveryTransitions {

    private DeliveryTransitions() {}

    /** When a transient failure is tried again on the same channel. */
    @FunctionalInterface
    public interface Retries {
        /** How long after the {@code attempts}-th failed attempt to try again; null to give up on the channel. */
        Duration after(int attempts);
    }

    /** A delivery event to publish: {@code status} of the message by {@code channel}, with why. */
    /**
     * A delivery event to publish.
     *
     * @param cause for {@code suppressed}: {@link Routing#UNSUBSCRIBED} or {@link Routing#ADDRESS}; else null
     */
    public record Event(Channel channel, String status, String detail, String cause) {
        public Event(Channel channel, String status, String detail) {
            this(channel, status, detail, null);
        }
    }

    /** An address to add to the suppression list: the provider said it will never accept mail for it. */
    public record Suppression(Channel channel, String address, String reason) {}

    /**
     * What a transition makes of a delivery.
     *
     * @param deadLetter the delivery failed for good: its request goes to the dead-letter topic with
     *     {@code state.lastError()}
     * @param suppress an address to suppress, or null
     * @param dueNow it is due again at once, on its next channel
     * @param retryIn when it is tried again on the same channel after a transient failure, or null
     */
    public record Step(
            DeliveryState state,
            List<Event> events,
            boolean deadLetter,
            Suppression suppress,
            boolean dueNow,
            Duration retryIn) {

        public Step {
            events = List.copyOf(events);
        }
    }

    /**
     * A pending delivery was routed: stored in the inbox (delivered), queued for this instance's provider, or failed
     * for want of a channel. Channels passed over because the user or the address blocks them are reported
     * {@code suppressed}.
     *
     * @param channels the request's channels, the first one first
     */
    public static Step routed(
            DeliveryState s, List<Channel> channels, Routing.Route route, String owner, Instant leaseUntil) {
        List<String> failures = new ArrayList<>(s.failures());
        List<Event> events = new ArrayList<>();
        for (Routing.Skip skip : route.skipped()) {
            failures.add(skip.failure());
            if (skip.suppressed()) {
                events.add(new Event(skip.channel(), "suppressed", skip.reason(), skip.cause()));
            }
        }
        return switch (route) {
            case Routing.StoreInApp inApp ->
                finish(
                        s.with(
                                s.status(),
                                inApp.channelIndex(),
                                s.attempts(),
                                s.nextAttemptAt(),
                                s.lastError(),
                                s.failures()),
                        Channel.IN_APP,
                        DeliveryStatus.DELIVERED,
                        null,
                        failures,
                        events);
            case Routing.Send send ->
                new Step(
                        new DeliveryState(
                                DeliveryStatus.QUEUED,
                                send.channelIndex(),
                                s.attempts(),
                                s.nextAttemptAt(),
                                s.lastError(),
                                failures,
                                s.deliveredBy(),
                                send.address(),
                                s.providerId(),
                                owner,
                                leaseUntil),
                        events,
                        false,
                        null,
                        false,
                        null);
            case Routing.NoChannel none -> fail(s, channels.getFirst(), failures, events);
        };
    }

    /**
     * A send by {@code send.channel()} came back with {@code outcome}; the lease ends.
     *
     * @param failures why the channels before this one failed, as they stood when the send was queued
     */
    public static Step sent(
            DeliveryState s,
            List<Channel> channels,
            Routing.Send send,
            List<String> failures,
            SendOutcome outcome,
            Retries retries,
            Instant now) {
        DeliveryState unleased = s.unleased();
        Channel channel = send.channel();
        List<String> tried = new ArrayList<>(failures);
        List<Event> events = new ArrayList<>();
        return switch (outcome.kind()) {
            case SENT, DELIVERED -> {
                DeliveryStatus status =
                        outcome.kind() == SendOutcome.Kind.SENT ? DeliveryStatus.SENT : DeliveryStatus.DELIVERED;
                yield finish(unleased, channel, status, outcome.providerId(), tried, events);
            }
            case TRANSIENT -> {
                int attempts = s.attempts() + 1;
                Duration delay = retries.after(attempts);
                if (delay != null) {
                    DeliveryState again = unleased.with(
                            DeliveryStatus.PENDING,
                            s.channelIndex(),
                            attempts,
                            now.plus(delay),
                            outcome.detail(),
                            s.failures());
                    yield new Step(again, events, false, null, false, delay);
                }
                tried.add(channel + ": " + outcome.detail() + " (gave up after " + attempts + " attempts)");
                yield next(unleased, channels, tried, events, null, now);
            }
            case REJECTED -> {
                events.add(new Event(channel, "suppressed", outcome.detail(), Routing.ADDRESS));
                tried.add(channel + ": " + outcome.detail());
                yield next(
                        unleased,
                        channels,
                        tried,
                        events,
                        new Suppression(channel, send.address(), outcome.detail()),
                        now);
            }
            case PERMANENT -> {
                tried.add(channel + ": " + outcome.detail());
                yield next(unleased, channels, tried, events, null, now);
            }
        };
    }

    /**
     * A pending delivery cannot be prepared at all ({@code why}). Failed and dead-lettered; reported only when its
     * request can be read ({@code channels} not null), since a delivery event names the message's journey and step.
     */
    public static Step unpreparable(DeliveryState s, List<Channel> channels, String why) {
        List<String> failures = new ArrayList<>(s.failures());
        failures.add("cannot be prepared: " + why);
        if (channels == null) {
            DeliveryState failed = s.with(
                    DeliveryStatus.FAILED,
                    s.channelIndex(),
                    s.attempts(),
                    s.nextAttemptAt(),
                    String.join("; ", failures),
                    s.failures());
            return new Step(failed, List.of(), true, null, false, null);
        }
        return fail(s, channels.getFirst(), failures, new ArrayList<>());
    }

    /**
     * The provider reported later what became of a message it accepted: {@code delivered} or {@code failed}. Only a
     * {@code sent} message changes; one already delivered or failed keeps its fact, and nothing is reported again.
     *
     * @return the step, or null when the report changes nothing
     */
    public static Step providerReported(DeliveryState s, Channel channel, boolean delivered, String detail) {
        if (s.status() != DeliveryStatus.SENT) {
            return null;
        }
        DeliveryStatus status = delivered ? DeliveryStatus.DELIVERED : DeliveryStatus.FAILED;
        DeliveryState reported =
                s.with(status, s.channelIndex(), s.attempts(), s.nextAttemptAt(), detail, s.failures());
        return new Step(reported, List.of(new Event(channel, status.wireName(), detail)), false, null, false, null);
    }

    /** On to the next channel, due at once, or failed when there is none. */
    private static Step next(
            DeliveryState s,
            List<Channel> channels,
            List<String> failures,
            List<Event> events,
            Suppression suppress,
            Instant now) {
        if (s.channelIndex() + 1 < channels.size()) {
            DeliveryState onward = s.with(DeliveryStatus.PENDING, s.channelIndex() + 1, 0, now, null, failures);
            return new Step(onward, events, false, suppress, true, null);
        }
        Step failed = fail(s, channels.getFirst(), failures, events);
        return new Step(failed.state(), failed.events(), true, suppress, false, null);
    }

    private static Step finish(
            DeliveryState s,
            Channel channel,
            DeliveryStatus status,
            String providerId,
            List<String> failures,
            List<Event> events) {
        DeliveryState done = new DeliveryState(
                status,
                s.channelIndex(),
                s.attempts() + 1,
                null,
                null,
                failures,
                channel.wireName(),
                s.address(),
                providerId != null ? providerId : s.providerId(),
                s.leaseOwner(),
                s.leaseUntil());
        events.add(new Event(
                channel,
                status.wireName(),
                failures.isEmpty() ? null : "by fallback after " + String.join("; ", failures)));
        return new Step(done, events, false, null, false, null);
    }

    /** Failed for good: reported on the request's first channel, and dead-lettered. */
    private static Step fail(DeliveryState s, Channel first, List<String> failures, List<Event> events) {
        String detail = failures.isEmpty() ? "no channel to send by" : String.join("; ", failures);
        DeliveryState failed =
                s.with(DeliveryStatus.FAILED, s.channelIndex(), s.attempts() + 1, null, detail, failures);
        events.add(new Event(first, "failed", detail));
        return new Step(failed, events, true, null, false, null);
    }
}
