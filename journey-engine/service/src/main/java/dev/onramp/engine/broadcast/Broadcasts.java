package dev.onramp.engine.broadcast;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.broadcast.BroadcastSpec;
import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.journey.JourneyRegistry;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.model.Channel;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the broadcast and incident APIs share: reading and checking a request against the journeys folder in force,
 * idempotency keys, creating a broadcast in the caller's transaction, and the view of one with its counts.
 */
@ApplicationScoped
public class Broadcasts {

    /** A broadcast and where its send stands. */
    public record View(
            String id,
            String name,
            String state,
            String priority,
            String category,
            List<String> channels,
            String template,
            Map<String, dev.onramp.journey.run.Broadcast.Content> content,
            String sender,
            Audience audience,
            Instant createdAt,
            Instant startsAt,
            java.time.LocalDateTime localStartAt,
            Instant expiresAt,
            Instant finishedAt,
            Instant cancelledAt,
            Counts counts,
            Funnel funnel,
            Map<String, Long> sentBy,
            Map<String, Map<String, Long>> reasons) {}

    /**
     * Who is told: {@code size} users so far; {@code complete} once the snapshot has looked at every user the engine
     * knew at the start (a list is complete at once; a cancel ends the snapshot where it was).
     */
    public record Audience(String kind, String where, long size, boolean complete) {}

    /**
     * Recipients by state: they add up to {@code audience}. {@code pending} and {@code deferred} are still to be
     * handled; the others are final.
     */
    public record Counts(
            long audience, long pending, long deferred, long sent, long skipped, long expired, long cancelled) {}

    /**
     * What became of the messages sent, as message-dispatch reported it, each recipient counted at the furthest step
     * they reached: {@code delivered} includes those who then read, clicked or unsubscribed; {@code read} (opened in
     * the inbox, or dismissed) includes those who then clicked.
     */
    public record Funnel(long delivered, long read, long clicked, long unsubscribed, long failed) {

        static Funnel of(Map<String, Long> outcomes) {
            long clicked = outcomes.getOrDefault("clicked", 0L);
            long read = outcomes.getOrDefault("read", 0L) + outcomes.getOrDefault("dismissed", 0L) + clicked;
            long unsubscribed = outcomes.getOrDefault("unsubscribed", 0L);
            return new Funnel(
                    outcomes.getOrDefault("delivered", 0L) + read + unsubscribed,
                    read,
                    clicked,
                    unsubscribed,
                    outcomes.getOrDefault("failed", 0L));
        }
    }

    private static final int MAX_KEY = 200;

    private final EngineConfig config;
    private final JourneyRegistry registry;
    private final BroadcastStore store;
    private final ObjectMapper json;
    private final Conditions conditions = new Conditions();

    Broadcasts(EngineConfig config, JourneyRegistry registry, BroadcastStore store, ObjectMapper json) {
        this.config = config;
        this.registry = registry;
        this.store = store;
        this.json = json;
    }

    /** A request body as JSON; a 400 when it is not. */
    public JsonNode body(byte[] body) {
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("The body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ProblemException.badRequest("The body cannot be read: " + e.getMessage());
        }
    }

    /** What a request is checked against: the templates and teammates of the journeys folder in force. */
    public BroadcastSpec.Context context() {
        JourneyRegistry.Live live = registry.current()
                .orElseThrow(() -> new ProblemException(Problem.of(
                        503,
                        "not-ready",
                        "Not ready",
                        "No journeys folder has loaded yet, so templates and teammates are unknown; see /q/health.")));
        return new BroadcastSpec.Context(
                conditions, live.templates(), live.team(), config.broadcasts().maxListedUsers());
    }

    /** How often a journey message held by an open incident is tried again. */
    public Duration holdRecheck() {
        return registry.settings().holdRecheck();
    }

    /** An {@code Idempotency-Key} header as given: null when none, a 400 when unusable. */
    public static String key(String key) {
        if (key != null && (key.isBlank() || key.length() > MAX_KEY)) {
            throw ProblemException.badParameter("Idempotency-Key", "1 to " + MAX_KEY + " characters");
        }
        return key;
    }

    /** The digest of a body: what tells a replay (the same body again) from a reused key. */
    public static String digest(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Holds the key until the transaction ends, so that a second call with it waits for nothing: it is a 409 while
     * the first is being handled, and a replay (or a 422) once it has answered.
     */
    public static void lockKey(Connection c, String scopedKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtextextended(?, 29))")) {
            ps.setString(1, scopedKey);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new ProblemException(Problem.of(
                            409,
                            "in-progress",
                            "Still in progress",
                            "A request with this Idempotency-Key is still being handled; ask again when it has"
                                    + " answered."));
                }
            }
        }
    }

    /** The same key came with another body. */
    public static ProblemException keyReused(String what) {
        return new ProblemException(Problem.of(
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                what + " was created with this Idempotency-Key and another body; a new request needs a new key.",
                List.of(Problem.FieldError.parameter("Idempotency-Key", "already used with another body"))));
    }

    /** A broadcast created, or the one a replayed call had created. */
    public record Created(View view, boolean replayed) {}

    /**
     * Creates a broadcast in the caller's transaction, or answers the one created with this key and body.
     *
     * @param scopedKey the idempotency key prefixed with what the call was; null when none
     */
    public Created create(
            Connection c, String scopedKey, String hash, BroadcastSpec spec, String part, String notice, Instant now)
            throws SQLException {
        if (scopedKey != null) {
            lockKey(c, scopedKey);
            var existing = store.findByKey(c, scopedKey);
            if (existing.isPresent()) {
                if (!existing.get().requestHash().equals(hash)) {
                    throw keyReused("Broadcast " + existing.get().id());
                }
                return new Created(view(c, existing.get(), now), true);
            }
        }
        String id = "b-" + UUID.randomUUID();
        store.create(c, id, spec, scopedKey, hash, now, part, notice);
        return new Created(view(c, store.find(c, id).orElseThrow(), now), false);
    }

    public View view(Connection c, BroadcastStore.Row row, Instant now) throws SQLException {
        BroadcastStore.Counts counts = store.counts(c, row.id());
        BroadcastSpec spec = row.spec();
        String state = row.state().equals("sending") && row.startsAt().isAfter(now) ? "scheduled" : row.state();
        return new View(
                row.id(),
                row.name(),
                state,
                spec.priority().wireName(),
                spec.category().wireName(),
                spec.channels().stream().map(Channel::wireName).toList(),
                spec.template(),
                spec.content().isEmpty() ? null : byWireName(spec.content()),
                spec.sender() == null ? null : spec.sender().id(),
                new Audience(
                        spec.audience().wireName(),
                        spec.where(),
                        counts.audience(),
                        row.snapshotDone() || row.state().equals("cancelled")),
                row.createdAt(),
                row.startsAt(),
                spec.localStartAt(),
                row.expiresAt(),
                row.finishedAt(),
                row.cancelledAt(),
                new Counts(
                        counts.audience(),
                        counts.of(BroadcastStore.Status.PENDING),
                        counts.of(BroadcastStore.Status.DEFERRED),
                        counts.of(BroadcastStore.Status.SENT),
                        counts.of(BroadcastStore.Status.SKIPPED),
                        counts.of(BroadcastStore.Status.EXPIRED),
                        counts.of(BroadcastStore.Status.CANCELLED)),
                Funnel.of(counts.outcomes()),
                counts.sentBy(),
                counts.reasons());
    }

    private static <V> Map<String, V> byWireName(Map<Channel, V> byChannel) {
        Map<String, V> out = new java.util.LinkedHashMap<>();
        byChannel.forEach((channel, v) -> out.put(channel.wireName(), v));
        return out;
    }

    /**
     * Reads and checks a request body as a broadcast or an incident's message; a {@code 400} naming every bad field.
     *
     * @param incident for the incident forms: the incident's id
     * @param defaultName for a follow-up without a name
     */
    public static BroadcastSpec read(
            JsonNode body,
            BroadcastSpec.Context context,
            BroadcastSpec.Form form,
            String incident,
            String defaultName) {
        try {
            return BroadcastSpec.read(body, context, form, incident, defaultName);
        } catch (BroadcastSpec.Invalid e) {
            throw new ProblemException(Problem.of(
                    400,
                    "bad-request",
                    "Bad request",
                    e.getMessage(),
                    e.errors().isEmpty()
                            ? null
                            : e.errors().stream()
                                    .map(f -> new Problem.FieldError(f.pointer(), f.detail()))
                                    .toList()));
        }
    }

    public static ProblemException notFound(String id) {
        return ProblemException.notFound("No broadcast '" + id + "'.");
    }
}
