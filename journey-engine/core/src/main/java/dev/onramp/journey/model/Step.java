package dev.onramp.journey.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One thing the user should do.
 *
 * @param doneWhen events any of which mark the step done, in whatever order steps get done
 * @param doneIf when it holds at enrollment, the step starts done; {@code null} when absent
 * @param messages the nudge (if any) and then the reminders, in the order they are sent
 * @param sender the teammate who signs its messages: the step's own, else the journey's; empty for the product itself
 * @param replies whether the user may reply to its messages (docs/conversations.md)
 */
public record Step(
        String id,
        String name,
        List<EventMatch> doneWhen,
        Condition doneIf,
        List<MessageSpec> messages,
        Optional<Teammate> sender,
        boolean replies) {

    /** A step whose messages take no replies. */
    public Step(
            String id,
            String name,
            List<EventMatch> doneWhen,
            Condition doneIf,
            List<MessageSpec> messages,
            Optional<Teammate> sender) {
        this(id, name, doneWhen, doneIf, messages, sender, false);
    }

    public Step {
        Objects.requireNonNull(id, "id");
        sender = sender == null ? Optional.empty() : sender;
        doneWhen = List.copyOf(doneWhen);
        messages = List.copyOf(messages);
        if (doneWhen.isEmpty()) {
            throw new IllegalArgumentException("step " + id + " needs done_when");
        }
    }

    public static List<MessageSpec> messages(MessageSpec nudge, List<MessageSpec> reminders) {
        List<MessageSpec> all = new ArrayList<>();
        if (nudge != null) {
            all.add(nudge);
        }
        all.addAll(reminders);
        return all;
    }
}
