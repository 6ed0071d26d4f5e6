package dev.onramp.journey.model;

/** Whether a user can go through a journey again. */
public enum Reentry {
    /** Once enrolled, never again (the default). */
    NEVER("never"),
    /** Again, on a new trigger event, once the previous enrollment ended (exited or completed). */
    AFTER_EXIT("after_exit");

    private final String wireName;

    Reentry(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
