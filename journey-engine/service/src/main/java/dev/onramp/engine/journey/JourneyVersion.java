package dev.onramp.engine.journey;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Optional;

/** Each distinct content of a journey file, numbered: message ids and the log name the version that decided. */
@Entity
@Table(name = "journey_versions")
@IdClass(JourneyVersion.Key.class)
public class JourneyVersion extends PanacheEntityBase {

    /** The primary key: a journey and one of its versions. */
    public record Key(String journey, int version) implements Serializable {}

    @Id
    public String journey;

    @Id
    public int version;

    @Column(name = "content_hash", nullable = false)
    public String contentHash;

    @Column(nullable = false)
    public String source;

    @Column(name = "loaded_at", nullable = false)
    public Instant loadedAt;

    static Optional<JourneyVersion> withContent(String journey, String contentHash) {
        return find("journey = ?1 and contentHash = ?2", journey, contentHash).firstResultOptional();
    }

    /** Every journey ever loaded, by id. */
    public static java.util.List<String> ids() {
        return getEntityManager()
                .createQuery("select distinct v.journey from JourneyVersion v order by v.journey", String.class)
                .getResultList();
    }

    /** The journey's latest version: 0 when it was never loaded. */
    public static int latest(String journey) {
        Integer max = getEntityManager()
                .createQuery("select max(v.version) from JourneyVersion v where v.journey = ?1", Integer.class)
                .setParameter(1, journey)
                .getSingleResult();
        return max == null ? 0 : max;
    }
}
