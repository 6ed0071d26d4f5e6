package dev.onramp.dispatch.outbox;

/**
 * What a delivery event says ({@code docs/contracts/delivery-events.schema.json}).
 *
 * @param scope only for (un)subscriptions: "channel" or "journey"
 */
public record DeliveryEvent(
        String messageId,
        String userId,
        String journey,
        String step,
        String channel,
        String status,
        String detail,
        String scope) {

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
        this(messageId, userId, journey, step, channel, status, detail, null);
    }
}
