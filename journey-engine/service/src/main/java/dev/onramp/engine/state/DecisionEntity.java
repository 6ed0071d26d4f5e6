package dev.onramp.engine.state;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.panache.common.Sort;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/**
 * One entry of the append-only journey log ({@code decisions}): every decision and its reason. Written in batches
 * with the state it explains ({@link StateStore#appendDecisions}); read here.
 */
@Entity
@Table(name = "decisions")
public class DecisionEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public long id;

    @Column(nullable = false)
    public Instant at;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(nullable = false)
    public String journey;

    @Column(nullable = false)
    public int cycle;

    public String step;

    @Column(nullable = false)
    public String kind;

    @Column(nullable = false)
    public String detail;

    @Column(name = "message_id")
    public String messageId;

    /** The user's latest {@code limit} decisions, oldest first. */
    public static List<DecisionEntity> latestOf(String userId, int limit) {
        List<DecisionEntity> latest =
                find("userId", Sort.descending("id"), userId).page(0, limit).list();
        return latest.reversed();
    }
}
