package dev.onramp.dispatch.outbox;

/**
 * What a delivery event says ({@code docs/contracts/delivery-events.schema.json}).
 *
 * @param scope only for (un)subscriptions: "channel", "journey" or "category"
 * @param cause only for {@code suppressed}: "unsubscribed" (the user's preference) or "address" (a suppressed address)
 * @param broadcast the broadcast the message is of; null for a journey's message and for a preference change
 * @param category only for (un)subscriptions of scope "category": marketing or product
 */
public record DeliveryEvent(
        String messageId,
        String userId,
        String journey,
        String step,
        String channel,
        String status,
        String detail,
        String scope,
        String cause,
        String broadcast,
        String category) {

    /** The detail travels to the engine's decision log and back to callers of its explain API: redacted. */
    public DeliveryEvent {
        detail = dev.onramp.pipeline.Redaction.redact(detail);
    }

    public DeliveryEvent(
            String messageId,
            String userId,
            String journey,
            String step,
            String channel,
            String status,
            String detail) {
        this(messageId, userId, journey, step, channel, status, detail, null, null, null, null);
    }

    public DeliveryEvent(
            String messageId,
            String userId,
            String journey,
            String step,
            String channel,
            String status,
            String detail,
            String scope) {
        this(messageId, userId, journey, step, channel, status, detail, scope, null, null, null);
    }
}
