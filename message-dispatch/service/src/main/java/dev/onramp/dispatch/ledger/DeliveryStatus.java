package dev.onramp.dispatch.ledger;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Locale;

/** Where a delivery stands. Stored by its lower-case name. */
public enum DeliveryStatus {
    /** Waiting for its next attempt ({@code next_attempt_at}). */
    PENDING,
    /** Claimed by an instance for an outside provider, waiting for its turn (the instance renews the lease). */
    QUEUED,
    /** The provider is being called; the lease started with the call. */
    SENDING,
    /** Accepted by the provider (email, SMS). */
    SENT,
    /** Received: stored in the inbox, or a webhook answered 2xx, or the provider reported delivery. */
    DELIVERED,
    /** No channel could deliver it: reported, and on the dead-letter topic. */
    FAILED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Maps the status to its column. */
    @Converter(autoApply = true)
    public static final class Column implements AttributeConverter<DeliveryStatus, String> {
        @Override
        public String convertToDatabaseColumn(DeliveryStatus status) {
            return status == null ? null : status.wireName();
        }

        @Override
        public DeliveryStatus convertToEntityAttribute(String column) {
            return column == null ? null : DeliveryStatus.valueOf(column.toUpperCase(Locale.ROOT));
        }
    }
}
