package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.ledger.Delivery;
import dev.onramp.dispatch.ledger.DeliveryStatus;
import java.time.Instant;
import java.util.List;

/**
 * Where one delivery stands, as {@link DeliveryTransitions} sees it: the mutable columns of {@code deliveries}, as a
 * value.
 *
 * @param channelIndex which of the request's channels (the channel, then its fallbacks) is being tried
 * @param attempts attempts on the current channel
 * @param failures why each channel tried before failed, in order
 * @param deliveredBy the channel that delivered it (wire name), once one did
 * @param address the email address or phone number it goes to
 * @param providerId the provider's id of the message (a Twilio SID), for its status callbacks
 */
public record DeliveryState(
        DeliveryStatus status,
        int channelIndex,
        int attempts,
        Instant nextAttemptAt,
        String lastError,
        List<String> failures,
        String deliveredBy,
        String address,
        String providerId,
        String leaseOwner,
        Instant leaseUntil) {

    public DeliveryState {
        failures = List.copyOf(failures);
    }

    public static DeliveryState of(Delivery d) {
        return new DeliveryState(
                d.status,
                d.channelIndex,
                d.attempts,
                d.nextAttemptAt,
                d.lastError,
                d.failureList(),
                d.deliveredBy,
                d.address,
                d.providerId,
                d.leaseOwner,
                d.leaseUntil);
    }

    /** Writes this state into the row object that {@code Deliveries.write} or Hibernate stores. */
    public void applyTo(Delivery d, Instant now) {
        d.status = status;
        d.channelIndex = channelIndex;
        d.attempts = attempts;
        d.nextAttemptAt = nextAttemptAt;
        d.lastError = lastError;
        d.failures(failures);
        d.deliveredBy = deliveredBy;
        d.address = address;
        d.providerId = providerId;
        d.leaseOwner = leaseOwner;
        d.leaseUntil = leaseUntil;
        d.updatedAt = now;
    }

    /** This state with its progress changed, and its address, provider id, lease and deliverer kept. */
    DeliveryState with(
            DeliveryStatus status,
            int channelIndex,
            int attempts,
            Instant nextAttemptAt,
            String lastError,
            List<String> failures) {
        return new DeliveryState(
                status,
                channelIndex,
                attempts,
                nextAttemptAt,
                lastError,
                failures,
                deliveredBy,
                address,
                providerId,
                leaseOwner,
                leaseUntil);
    }

    /** This state with no lease: the send it was held for is over. */
    DeliveryState unleased() {
        return new DeliveryState(
                status,
                channelIndex,
                attempts,
                nextAttemptAt,
                lastError,
                failures,
                deliveredBy,
                address,
                providerId,
                null,
                null);
    }
}
