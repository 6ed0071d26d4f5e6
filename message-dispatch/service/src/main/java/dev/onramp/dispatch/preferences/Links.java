package dev.onramp.dispatch.preferences;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Signed links for end users: unsubscribe (from a journey's messages on a channel) and the preference page. A token
 * says what it is for ({@link Purpose}), whom and what it is about, when it was made, when it stops working (preference
 * links only: an unsubscribe link keeps working, as RFC 8058 asks), and a keyed digest of the address the message went
 * to. It is signed with {@code onramp.dispatch.links-secret} and names the key that signed it, so the secret can be
 * rotated: links signed with {@code links-secret-previous} keep working until it is removed.
 *
 * <p>Format: {@code <key id>.<base64url JSON claims>.<base64url HMAC-SHA256(key, key id + "." + claims)>}. Tokens of
 * the first format ({@code <claims>.<signature>}, no key id, no purpose) are still accepted, to unsubscribe only.
 */
@ApplicationScoped
public class Links {

    private static final Logger LOG = Logger.getLogger(Links.class);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    /** What a token may be used for. */
    public enum Purpose {
        /** Unsubscribing, by one click or on the unsubscribe page. */
        UNSUBSCRIBE("u"),
        /** Seeing and changing every preference of the user. */
        PREFERENCES("p");

        final String claim;

        Purpose(String claim) {
            this.claim = claim;
        }
    }

    /**
     * What a link is about.
     *
     * @param addressTag the keyed digest of the address the message went to; null when it had none (in-app)
     * @param issuedAt when the link was made
     */
    public record Subject(
            String userId, String journey, String channel, Purpose purpose, String addressTag, Instant issuedAt) {}

    /** A message's two links. */
    public record ForMessage(String unsubscribe, String preferences) {}

    /** Why a token does not open what it was presented for. */
    public enum Refusal {
        INVALID,
        EXPIRED
    }

    /** A key and its id: the first 8 hex digits of SHA-256 of the secret (which tells nothing of the secret). */
    private record Key(String id, byte[] secret) {
        static Key of(byte[] secret) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret);
                return new Key(HexFormat.of().formatHex(digest, 0, 4), secret);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final DispatchConfig config;
    private final ObjectMapper json;
    /** The current key first. */
    private final List<Key> keys;

    Links(DispatchConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        List<Key> keys = new ArrayList<>();
        String configured = config.linksSecret().orElse(null);
        if (configured == null || configured.isBlank()) {
            // Only in dev and test: elsewhere the service does not start without it (StartupSecrets).
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            keys.add(Key.of(random));
            LOG.warn("onramp.dispatch.links-secret is not set: links are signed with a random key and stop working"
                    + " when this instance restarts");
        } else {
            keys.add(Key.of(configured.getBytes(StandardCharsets.UTF_8)));
        }
        config.linksSecretPrevious()
                .filter(s -> !s.isBlank())
                .ifPresent(s -> keys.add(Key.of(s.getBytes(StandardCharsets.UTF_8))));
        this.keys = List.copyOf(keys);
    }

    /** The links of a message sent now to {@code address} (null for in-app). */
    public ForMessage forMessage(String userId, String journey, String channel, String address, Instant now) {
        String tag = address == null ? null : addressTag(keys.getFirst(), address);
        return new ForMessage(
                config.publicUrl() + "/v1/unsubscribe/"
                        + token(new Subject(userId, journey, channel, Purpose.UNSUBSCRIBE, tag, now)),
                config.publicUrl() + "/v1/preferences/"
                        + token(new Subject(userId, journey, channel, Purpose.PREFERENCES, tag, now)));
    }

    /** A fresh preference link for the subject of another link (the unsubscribe page offers one). */
    public String preferences(Subject from, Instant now) {
        return config.publicUrl() + "/v1/preferences/"
                + token(new Subject(
                        from.userId(), from.journey(), from.channel(), Purpose.PREFERENCES, from.addressTag(), now));
    }

    public String token(Subject subject) {
        Key key = keys.getFirst();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("p", subject.purpose().claim);
        claims.put("u", subject.userId());
        claims.put("j", subject.journey() == null ? "" : subject.journey());
        claims.put("c", subject.channel());
        if (subject.addressTag() != null) {
            claims.put("a", subject.addressTag());
        }
        claims.put("t", subject.issuedAt().getEpochSecond());
        try {
            String payload = B64.encodeToString(json.writeValueAsBytes(claims));
            String signed = key.id() + "." + payload;
            return signed + "." + B64.encodeToString(sign(key.secret(), signed));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The subject of a token this service signed for {@code purpose}, still valid at {@code now}; otherwise why not.
     * An unsubscribe token is valid as long as its key is configured; a preference token for
     * {@code onramp.dispatch.links.preferences-expiry} after it was made.
     */
    public Verified verify(String token, Purpose purpose, Instant now) {
        Optional<Subject> read = read(token);
        if (read.isEmpty() || read.get().purpose() != purpose) {
            return new Verified(null, Refusal.INVALID);
        }
        Subject subject = read.get();
        if (purpose == Purpose.PREFERENCES && !fresh(subject, now)) {
            return new Verified(null, Refusal.EXPIRED);
        }
        return new Verified(subject, null);
    }

    /** Whether a link made at {@code subject.issuedAt()} may still open the preference page. */
    public boolean fresh(Subject subject, Instant now) {
        return subject.issuedAt() != null
                && !now.isAfter(subject.issuedAt().plus(config.links().preferencesExpiry()));
    }

    /** Whether a link was sent to {@code address}: false when it names another one; true when it names none. */
    public boolean sentTo(Subject subject, String address) {
        if (subject.addressTag() == null || address == null) {
            return true;
        }
        for (Key key : keys) {
            if (MessageDigest.isEqual(
                    addressTag(key, address).getBytes(StandardCharsets.US_ASCII),
                    subject.addressTag().getBytes(StandardCharsets.US_ASCII))) {
                return true;
            }
        }
        return false;
    }

    /** A verified subject, or why there is none. */
    public record Verified(Subject subject, Refusal refusal) {}

    private Optional<Subject> read(String token) {
        if (token == null || token.length() > 2048) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        try {
            if (parts.length == 3) {
                Key key = keys.stream()
                        .filter(k -> k.id().equals(parts[0]))
                        .findFirst()
                        .orElse(null);
                if (key == null
                        || !MessageDigest.isEqual(
                                B64D.decode(parts[2]), sign(key.secret(), parts[0] + "." + parts[1]))) {
                    return Optional.empty();
                }
                return Optional.of(subject(json.readValue(B64D.decode(parts[1]), Map.class), null));
            }
            if (parts.length == 2) {
                // The first format: no key id, no purpose, no time. Unsubscribing only.
                for (Key key : keys) {
                    if (MessageDigest.isEqual(B64D.decode(parts[1]), sign(key.secret(), parts[0]))) {
                        return Optional.of(
                                subject(json.readValue(B64D.decode(parts[0]), Map.class), Purpose.UNSUBSCRIBE));
                    }
                }
            }
            return Optional.empty();
        } catch (IllegalArgumentException | java.io.IOException | ClassCastException e) {
            return Optional.empty();
        }
    }

    private static Subject subject(Map<?, ?> claims, Purpose legacy) {
        Purpose purpose = legacy;
        if (purpose == null) {
            Object p = claims.get("p");
            for (Purpose candidate : Purpose.values()) {
                if (candidate.claim.equals(p)) {
                    purpose = candidate;
                }
            }
            if (purpose == null) {
                throw new IllegalArgumentException("no purpose");
            }
        }
        String journey = (String) claims.get("j");
        Object issued = claims.get("t");
        return new Subject(
                (String) claims.get("u"),
                journey == null || journey.isEmpty() ? null : journey,
                (String) claims.get("c"),
                purpose,
                (String) claims.get("a"),
                issued instanceof Number n ? Instant.ofEpochSecond(n.longValue()) : null);
    }

    /** 12 bytes of HMAC-SHA256 over the address in lower case: binds a link to it, reveals nothing of it. */
    /**
     * The tag that signs a reply address for one message: 16 lowercase hex digits of HMAC-SHA256 with the current key
     * (lowercase, because mail systems may fold the case of an address).
     */
    public String replyTag(String messageId) {
        return replyTag(keys.getFirst(), messageId);
    }

    /** Whether {@code tag} signs a reply address for this message, with the current key or the previous one. */
    public boolean replyTagValid(String messageId, String tag) {
        for (Key key : keys) {
            if (MessageDigest.isEqual(
                    replyTag(key, messageId).getBytes(StandardCharsets.US_ASCII),
                    tag.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
                return true;
            }
        }
        return false;
    }

    private static String replyTag(Key key, String messageId) {
        return HexFormat.of().formatHex(sign(key.secret(), "reply:" + messageId), 0, 8);
    }

    private static String addressTag(Key key, String address) {
        byte[] mac = sign(key.secret(), "address:" + address.strip().toLowerCase(Locale.ROOT));
        return B64.encodeToString(java.util.Arrays.copyOf(mac, 12));
    }

    private static byte[] sign(byte[] secret, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
