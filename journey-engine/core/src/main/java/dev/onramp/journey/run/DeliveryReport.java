package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;

/**
 * What message-dispatch reported about a message ({@code onramp.delivery-events}).
 *
 * @param status sent, delivered, failed, suppressed, read, clicked, dismissed, unsubscribed
 * @param scope for an unsubscribe: from the channel altogether, or only from this journey on it
 * @param cause for {@code suppressed}: {@code unsubscribed} (the user's preference, also reported on its own) or
 *     {@code address} (a suppressed address); null when dispatch did not say
 */
public record DeliveryReport(
        String messageId,
        String journey,
        String step,
        Channel channel,
        String status,
        String detail,
        Scope scope,
        String cause) {

    public DeliveryReport(
            String messageId, String journey, String step, Channel channel, String status, String detail, Scope scope) {
        this(messageId, journey, step, channel, status, detail, scope, null);
    }

    public enum Scope {
        CHANNEL,
        JOURNEY
    }
}
