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
 * @param origin what sent it: a journey's step, a broadcast, an incident's notice or update, a hand-off
 * @param broadcast the broadcast's id when the origin is a broadcast; null for a journey's message
 * @param journey the journey of a journey's message (then {@code journeyVersion}, {@code step}, {@code kind} and
 *     {@code ordinal} say which message of it); null for a broadcast
 * @param priority what it may pass: quiet hours and caps hold {@code marketing} and {@code product}, not {@code urgent}
 * @param category which unsubscribes it obeys: {@code security} passes a marketing or product unsubscribe
 * @param fallbackChannels where dispatch may send it if the channel fails permanently
 * @param traits the user's traits, for templates
 * @param context the properties of the event that enrolled the user
 * @param sender the teammate who signs it; null when the product itself does
 * @param template the template it is written in; null when it carries its own {@code content}
 * @param replies whether the user may reply to it (a step's or broadcast's {@code replies} option)
 * @param content a broadcast's inline content in the user's locale, by channel (header fields and {@code body});
 *     empty when it names a template
 */
public record MessageRequest(
        String messageId,
        Origin origin,
        SendPolicy.Priority priority,
        SendPolicy.Category category,
        String broadcast,
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
        Instant createdAt,
        Map<Channel, Map<String, String>> content,
        boolean replies) {

    public MessageRequest {
        fallbackChannels = List.copyOf(fallbackChannels);
        content = content == null ? Map.of() : Map.copyOf(content);
    }

    /** What sent a message ({@code origin} in the contract). */
    public enum Origin {
        JOURNEY("journey"),
        BROADCAST("broadcast"),
        INCIDENT("incident"),
        /** A teammate's answer in a conversation: written by the conversations API, never by the runtime. */
        ANSWER("answer"),
        HAND_OFF("hand-off");

        private final String wireName;

        Origin(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }
}
