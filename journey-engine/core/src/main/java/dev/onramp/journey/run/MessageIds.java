package dev.onramp.journey.run;

import dev.onramp.journey.model.MessageKind;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Message ids derived from the decision itself (journey, version, user, enrollment cycle, step, kind, ordinal), so
 * that re-making the same decision after a crash or a redelivery yields the same id, which dispatch delivers once.
 */
public final class MessageIds {

    private MessageIds() {}

    public static String of(
            String journey, int version, String userId, int cycle, String step, MessageKind kind, int ordinal) {
        String name = String.join(
                "\u0000",
                journey,
                Integer.toString(version),
                userId,
                Integer.toString(cycle),
                step,
                kind.wireName(),
                Integer.toString(ordinal));
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A broadcast's message to one user: one per broadcast and user, however often the fan-out is resumed. */
    public static String ofBroadcast(String broadcast, String userId) {
        String name = String.join("\u0000", "broadcast", broadcast, userId);
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
