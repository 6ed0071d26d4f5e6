package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.ledger.DeliveryRequest;
import java.util.List;
import java.util.Map;

/**
 * A delivery queued by this instance for an outside provider.
 *
 * @param stored the request as stored, for the dead-letter topic should the delivery fail
 * @param failures why the channels before this one failed
 */
record Job(
        DeliveryRequest request, Map<String, Object> stored, Routing.Send route, List<String> failures, int attempts) {

    String messageId() {
        return request.messageId();
    }
}
