package dev.onramp.engine.conversation;

import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.engine.state.ProfileEntity;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.model.Teammate;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A teammate answers a conversation — from the admin API or the console, the same way: a teammate of team.yaml, plain
 * text, in the caller's transaction (stored, logged, sent as one).
 */
@ApplicationScoped
public class Answering {

    private static final Pattern CONTROL = Pattern.compile("[\\p{Cc}&&[^\\n\\t]]");

    /** The longest answer: the contract's limit on a message request's text. */
    static final int MAX_TEXT = 10_000;

    private final ConversationStore store;
    private final JourneyRegistry registry;
    private final DataSource dataSource;
    private final InstantSource clock;

    Answering(ConversationStore store, JourneyRegistry registry, DataSource dataSource, InstantSource clock) {
        this.store = store;
        this.registry = registry;
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** The answer as stored, and who wrote it. */
    public record Answer(ConversationStore.Answered answered, Teammate teammate) {}

    /**
     * @param key the caller's idempotency key; null for a new answer each call
     * @throws ProblemException 404 for no such conversation; 400 naming {@code /teammate} or {@code /text}
     */
    public Answer answer(String conversationId, String teammateId, String text, String key) throws SQLException {
        Roster team = team();
        if (teammateId == null || team.teammate(teammateId).isEmpty()) {
            throw ProblemException.badField(
                    "/teammate",
                    team.isEmpty()
                            ? "names a teammate of team.yaml, and there is none"
                            : "names a teammate of team.yaml (" + String.join(", ", team.teammateIds()) + ")");
        }
        String answer = text == null ? "" : text.replace("\r\n", "\n").strip();
        if (answer.isEmpty()) {
            throw ProblemException.badField("/text", "is required: the answer, as plain text");
        }
        if (answer.length() > MAX_TEXT) {
            throw ProblemException.badField("/text", "is longer than " + MAX_TEXT + " characters");
        }
        if (CONTROL.matcher(answer).find()) {
            throw ProblemException.badField("/text", "contains control characters");
        }
        try (Connection c = dataSource.getConnection()) {
            ConversationStore.Conversation conversation = store.find(c, conversationId, true)
                    .orElseThrow(() -> new ProblemException(Problem.of(
                            404, "not-found", "Not found", "There is no conversation '" + conversationId + "'.")));
            ProfileEntity profile = ProfileEntity.findById(conversation.userId());
            Map<String, Object> traits = profile == null ? Map.of() : profile.traits;
            Teammate teammate = team.teammate(teammateId).orElseThrow();
            return new Answer(store.answer(c, conversation, teammate, answer, key, traits, clock.instant()), teammate);
        }
    }

    private static final Pattern TAG = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");

    /**
     * Sets a conversation's assignee (a teammate of team.yaml, or nobody) and its tags, in the caller's transaction.
     *
     * @param tags lowercase words ({@code billing}, {@code bug-report}), at most 20; repeats are kept once
     * @throws ProblemException 404 for no such conversation; 400 naming {@code /assignee} or {@code /tags}
     */
    public ConversationStore.Conversation triage(String conversationId, String assignee, List<String> tags, String by)
            throws SQLException {
        Roster team = team();
        String owner = assignee == null || assignee.isBlank() ? null : assignee.strip();
        if (owner != null && team.teammate(owner).isEmpty()) {
            throw ProblemException.badField(
                    "/assignee",
                    "names a teammate of team.yaml (" + String.join(", ", team.teammateIds()) + ") or null");
        }
        List<String> kept = new java.util.ArrayList<>();
        for (int i = 0; i < tags.size(); i++) {
            String tag = tags.get(i) == null ? "" : tags.get(i).strip().toLowerCase(java.util.Locale.ROOT);
            if (!TAG.matcher(tag).matches()) {
                throw ProblemException.badField(
                        "/tags/" + i, "is a word of lowercase letters, digits, - and _ (at most 40)");
            }
            if (!kept.contains(tag)) {
                kept.add(tag);
            }
        }
        if (kept.size() > 20) {
            throw ProblemException.badField("/tags", "has at most 20 tags");
        }
        try (Connection c = dataSource.getConnection()) {
            ConversationStore.Conversation conversation = store.find(c, conversationId, true)
                    .orElseThrow(() -> new ProblemException(Problem.of(
                            404, "not-found", "Not found", "There is no conversation '" + conversationId + "'.")));
            store.triage(c, conversation, owner, kept, by, clock.instant());
            return store.find(c, conversationId, false).orElseThrow();
        }
    }

    /** Who may answer: the teammates of team.yaml. */
    public Roster team() {
        return registry.current().map(JourneyRegistry.Live::team).orElse(Roster.empty());
    }
}
