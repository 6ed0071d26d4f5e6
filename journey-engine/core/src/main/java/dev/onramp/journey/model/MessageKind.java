package dev.onramp.journey.model;

/** The first message of a step is its nudge; the ones that follow are reminders. */
public enum MessageKind {
    NUDGE("nudge"),
    REMINDER("reminder");

    private final String wireName;

    MessageKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
