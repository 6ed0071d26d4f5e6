package dev.onramp.journey.run;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.MessageKind;
import dev.onramp.journey.model.Teammate;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A message the engine decided to send: the {@code onramp.message-requests} contract
 * ({@code docs/contracts/message-requests.schema.json}).
 *
 * @param messageId deterministic: the same decision always yields the same id, so nothing is delivered twice
 * @param fallbackChannels where dispatch may send it if the channel fails permanently
 * @param traits the user's traits, for templates
 * @param context the properties of the event that enrolled the user
 * @param sender the teammate who signs it; null when the product itself does
 */
public record MessageRequest(
        String messageId,
        String journey,
        int journeyVersion,
        String step,
        MessageKind kind,
        int ordinal,
        Channel channel,
        List<Channel> fallbackChannels,
        String template,
        String locale,
        String userId,
        Map<String, Object> traits,
        Map<String, Object> context,
        Teammate sender,
        Instant notBefore,
        Instant createdAt) {

    public MessageRequest {
        fallbackChannels = List.copyOf(fallbackChannels);
    }
}
