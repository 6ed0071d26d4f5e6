package dev.onramp.dispatch.send;

import dev.onramp.dispatch.ledger.DeliveryRequest.Sender;
import dev.onramp.templates.Rendered;
import java.time.Instant;

/**
 * A message ready for a provider.
 *
 * @param address the email address or E.164 phone number; for a webhook, where the template says or null
 * @param unsubscribe the signed one-click unsubscribe URL of this message
 * @param sender the teammate who signs it; null when the product itself does
 * @param now when the send starts, for signatures
 * @param replies whether the user may answer it (a step's or broadcast's option, or a teammate's answer)
 */
public record Outgoing(
        String messageId,
        String address,
        Rendered rendered,
        String unsubscribe,
        Sender sender,
        Instant now,
        boolean replies) {

    /** A message that takes no replies. */
    public Outgoing(
            String messageId, String address, Rendered rendered, String unsubscribe, Sender sender, Instant now) {
        this(messageId, address, rendered, unsubscribe, sender, now, false);
    }
}
