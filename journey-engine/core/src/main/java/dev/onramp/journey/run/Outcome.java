package dev.onramp.journey.run;

import java.util.List;

/** What handling an event or a due timer did: the new state, the decisions to log, the messages to send. */
public record Outcome(UserState state, List<Decision> decisions, List<MessageRequest> messages) {

    public Outcome {
        decisions = List.copyOf(decisions);
        messages = List.copyOf(messages);
    }
}
