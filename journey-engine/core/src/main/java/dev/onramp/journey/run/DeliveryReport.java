package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;

/**
 * What message-dispatch reported about a message ({@code onramp.delivery-events}).
 *
 * @param status sent, delivered, failed, suppressed, read, clicked, dismissed, unsubscribed
 * @param scope for an unsubscribe: from the channel altogether, or only from this journey on it
 */
public record DeliveryReport(
        String messageId, String journey, String step, Channel channel, String status, String detail, Scope scope) {

    public enum Scope {
        CHANNEL,
        JOURNEY
    }
}
