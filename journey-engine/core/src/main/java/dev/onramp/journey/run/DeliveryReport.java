package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;

/**
 * What message-dispatch reported about a message ({@code onramp.delivery-events}).
 *
 * @param status sent, delivered, failed, suppressed, read, clicked, dismissed, unsubscribed
 * @param scope for an unsubscribe: from the channel altogether, only from this journey on it, or only from the
 *     messages of {@code category} on it
 * @param cause for {@code suppressed}: {@code unsubscribed} (the user's preference, also reported on its own) or
 *     {@code address} (a suppressed address); null when dispatch did not say
 * @param category for an unsubscribe of scope {@link Scope#CATEGORY}: the category; null otherwise
 */
public record DeliveryReport(
        String messageId,
        String journey,
        String step,
        Channel channel,
        String status,
        String detail,
        Scope scope,
        String cause,
        SendPolicy.Category category) {

    public DeliveryReport(
            String messageId, String journey, String step, Channel channel, String status, String detail, Scope scope) {
        this(messageId, journey, step, channel, status, detail, scope, null, null);
    }

    public enum Scope {
        CHANNEL,
        JOURNEY,
        CATEGORY
    }

    /**
     * The key of {@code Profile.blocked} an unsubscribe of this scope sets: {@code email}, {@code email:<journey>}
     * or {@code email:category:marketing}.
     */
    public String blockedKey() {
        return switch (scope == null ? Scope.CHANNEL : scope) {
            case JOURNEY -> journey == null ? channel.wireName() : channel.wireName() + ":" + journey;
            case CATEGORY -> category == null ? channel.wireName() : SendPolicy.categoryKey(channel, category);
            case CHANNEL -> channel.wireName();
        };
    }
}
