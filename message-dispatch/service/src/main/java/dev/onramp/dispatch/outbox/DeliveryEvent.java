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
