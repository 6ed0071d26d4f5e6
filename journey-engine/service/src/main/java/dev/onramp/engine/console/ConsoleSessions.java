package dev.onramp.engine.console;

import dev.onramp.engine.EngineConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The console's sessions: someone who typed the engine's admin token gets a cookie {@code <expiry>.<signature>}, the
 * signature an HMAC keyed with the admin token. Nothing is stored, so every instance accepts every instance's
 * sessions, and rotating the token out (removing {@code admin-token-previous}) ends the sessions it signed. Forms that
 * change something carry a CSRF token derived from the session, so another site can neither read nor forge it.
 */
@ApplicationScoped
public class ConsoleSessions {

    /** How long a session lasts after logging in. */
    static final Duration LIFETIME = Duration.ofHours(12);

    private final EngineConfig config;
    private final InstantSource clock;

    ConsoleSessions(EngineConfig config, InstantSource clock) {
        this.config = config;
        this.clock = clock;
    }

    /** A new session's cookie value, if {@code token} is the admin token (or the one being rotated out). */
    Optional<String> open(String token) {
        if (token == null || token.isBlank() || keys().noneMatch(key -> equal(token, key))) {
            return Optional.empty();
        }
        String expiry = Long.toString(clock.instant().plus(LIFETIME).getEpochSecond());
        return Optional.of(expiry + "." + sign(current(), "session|" + expiry));
    }

    /** Whether a cookie value is a session that has not expired, signed with a token still accepted. */
    boolean valid(String session) {
        if (session == null) {
            return false;
        }
        int dot = session.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        String expiry = session.substring(0, dot);
        String signature = session.substring(dot + 1);
        try {
            if (Instant.ofEpochSecond(Long.parseLong(expiry)).isBefore(clock.instant())) {
                return false;
            }
        } catch (NumberFormatException e) {
            return false;
        }
        return keys().anyMatch(key -> equal(signature, sign(key, "session|" + expiry)));
    }

    /** The CSRF token of a session: what its forms carry. */
    String csrf(String session) {
        return sign(current(), "csrf|" + session);
    }

    /** Whether a form's CSRF token belongs to this valid session. */
    boolean csrfValid(String session, String given) {
        return valid(session) && given != null && keys().anyMatch(key -> equal(given, sign(key, "csrf|" + session)));
    }

    private String current() {
        return config.adminToken().orElse("");
    }

    private Stream<String> keys() {
        return Stream.concat(config.adminToken().stream(), config.adminTokenPrevious().stream())
                .filter(k -> !k.isBlank());
    }

    private static String sign(String key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    private static boolean equal(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
