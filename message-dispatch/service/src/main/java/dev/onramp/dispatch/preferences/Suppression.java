package dev.onramp.dispatch.preferences;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** An address that must not be used again ({@code suppressions}): a hard bounce, a STOP reply. */
@Entity
@Table(name = "suppressions")
@IdClass(Suppression.Key.class)
public class Suppression extends PanacheEntityBase {

    /** The primary key. */
    public record Key(String channel, String address) implements Serializable {}

    @Id
    public String channel;

    /** Trimmed and lower-case. */
    @Id
    public String address;

    @Column(nullable = false)
    public String reason;

    @Column(nullable = false)
    public Instant at;
}
