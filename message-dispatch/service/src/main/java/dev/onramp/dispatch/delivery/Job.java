package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.ledger.DeliveryRequest;
import java.util.List;

/**
 * A delivery queued by this instance for an outside provider.
 *
 * @param failures why the channels before this one failed
 */
record Job(DeliveryRequest request, Routing.Send route, List<String> failures, int attempts) {

    String messageId() {
        return request.messageId();
    }
}
