package dev.onramp.engine.state;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.run.Profile;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * What the engine keeps of a user ({@code profiles}). The row is also the user's lock: whoever changes a user's
 * state holds it {@code FOR UPDATE} for the transaction.
 */
@Entity
@Table(name = "profiles")
public class ProfileEntity extends PanacheEntityBase {

    @Id
    @Column(name = "user_id")
    public String userId;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, Object> traits = Map.of();

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> blocked = Map.of();

    /** Messages sent lately, for frequency caps: {@code [{"channel": "email", "at": "…"}]}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public List<Map<String, Object>> recent = List.of();

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Seen so far only under an SDK's anonymousId: an identify or alias call may join it to a user. */
    @Column(nullable = false)
    public boolean anonymous;

    /** The user this anonymous profile was joined to; its state is theirs now. */
    @Column(name = "merged_into")
    public String mergedInto;

    /** The profile as the journey semantics see it. */
    public Profile toProfile() {
        List<Profile.Sent> sent = new ArrayList<>();
        for (Map<String, Object> m : recent) {
            Channel.of((String) m.get("channel"))
                    .ifPresent(ch -> sent.add(new Profile.Sent(ch, Instant.parse((String) m.get("at")))));
        }
        return new Profile(userId, traits, blocked, sent);
    }

    /** How {@code recent} is stored. */
    static List<Map<String, Object>> recent(Profile profile) {
        return profile.recent().stream()
                .map(s -> Map.<String, Object>of("channel", s.channel().wireName(), "at", s.at().toString()))
                .toList();
    }
}
