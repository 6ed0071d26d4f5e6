package dev.onramp.engine.state;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.MessageKind;
import dev.onramp.journey.run.Enrollment;
import dev.onramp.journey.run.Enrollment.SentMessage;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One user's way through one journey, one enrollment cycle ({@code enrollments}). {@code dueAt} is the durable
 * timer: at most one pending message each.
 */
@Entity
@Table(name = "enrollments")
@IdClass(EnrollmentEntity.Key.class)
public class EnrollmentEntity extends PanacheEntityBase {

    /** The primary key. */
    public record Key(String userId, String journey, int cycle) implements Serializable {}

    @Id
    @Column(name = "user_id")
    public String userId;

    @Id
    public String journey;

    @Id
    public int cycle;

    @Column(nullable = false)
    public String status;

    @Column(name = "enrolled_at", nullable = false)
    public Instant enrolledAt;

    @Column(nullable = false)
    public boolean holdout;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "trigger_properties", nullable = false)
    public Map<String, Object> triggerProperties = Map.of();

    /** Step id → when it got done, as ISO-8601 text. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> done = Map.of();

    @Column(name = "current_step")
    public String currentStep;

    @Column(name = "current_since")
    public Instant currentSince;

    @Column(name = "next_message", nullable = false)
    public int nextMessage;

    @Column(name = "last_message_at")
    public Instant lastMessageAt;

    @Column(name = "due_at")
    public Instant dueAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    @Column(name = "converted_at")
    public Instant convertedAt;

    /** Every message sent or held out: {@code [{"messageId": …, "step": …, "kind": "nudge", …}]}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<Map<String, Object>> sent = List.of();

    /** The enrollment as the journey semantics see it. */
    public Enrollment toEnrollment() {
        Map<String, Instant> doneAt = new LinkedHashMap<>();
        done.forEach((step, at) -> doneAt.put(step, Instant.parse(at)));
        List<SentMessage> messages = new ArrayList<>();
        for (Map<String, Object> m : sent) {
            messages.add(new SentMessage(
                    (String) m.get("messageId"),
                    (String) m.get("step"),
                    "reminder".equals(m.get("kind")) ? MessageKind.REMINDER : MessageKind.NUDGE,
                    ((Number) m.get("ordinal")).intValue(),
                    Channel.of((String) m.get("channel")).orElse(Channel.IN_APP),
                    (String) m.get("template"),
                    ((Number) m.get("journeyVersion")).intValue(),
                    Instant.parse((String) m.get("at")),
                    (String) m.get("status")));
        }
        return new Enrollment(
                journey,
                userId,
                cycle,
                Enrollment.Status.valueOf(status.toUpperCase(Locale.ROOT)),
                enrolledAt,
                holdout,
                triggerProperties,
                doneAt,
                currentStep,
                currentSince,
                nextMessage,
                lastMessageAt,
                dueAt,
                endedAt,
                convertedAt,
                messages);
    }

    /** How {@code done} is stored. */
    static Map<String, String> done(Enrollment e) {
        Map<String, String> done = new LinkedHashMap<>();
        e.done().forEach((k, v) -> done.put(k, v.toString()));
        return done;
    }

    /** How {@code sent} is stored. */
    static List<Map<String, Object>> sent(Enrollment e) {
        List<Map<String, Object>> sent = new ArrayList<>();
        for (SentMessage m : e.sent()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("messageId", m.messageId());
            row.put("step", m.step());
            row.put("kind", m.kind().wireName());
            row.put("ordinal", m.ordinal());
            row.put("channel", m.channel().wireName());
            row.put("template", m.template());
            row.put("journeyVersion", m.journeyVersion());
            row.put("at", m.at().toString());
            row.put("status", m.status());
            sent.add(row);
        }
        return sent;
    }
}
