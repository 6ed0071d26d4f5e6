package dev.onramp.dispatch.preferences;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Signed links for end users: unsubscribe (from a journey's messages on a channel) and the preference page. The token
 * names the user, journey and channel, and is signed with {@code onramp.dispatch.links-secret}, so nobody changes
 * someone else's preferences by editing a link.
 */
@ApplicationScoped
public class Links {

    private static final Logger LOG = Logger.getLogger(Links.class);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final DispatchConfig config;
    private final ObjectMapper json;
    private final byte[] secret;

    Links(DispatchConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        String configured = config.linksSecret().orElse(null);
        if (configured == null || configured.isBlank()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            this.secret = random;
            LOG.warn(
                    "onramp.dispatch.links-secret is not set: unsubscribe links are signed with a random key and stop working"
                            + " when this instance restarts; set the same secret on every instance");
        } else {
            this.secret = configured.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** What a link is about. */
    public record Subject(String userId, String journey, String channel) {}

    /** A message's two links, which share one signed token. */
    public record ForMessage(String unsubscribe, String preferences) {}

    public ForMessage forMessage(String userId, String journey, String channel) {
        String token = token(new Subject(userId, journey, channel));
        return new ForMessage(
                config.publicUrl() + "/v1/unsubscribe/" + token, config.publicUrl() + "/v1/preferences/" + token);
    }

    public String preferences(String userId, String journey, String channel) {
        return config.publicUrl() + "/v1/preferences/" + token(new Subject(userId, journey, channel));
    }

    public String token(Subject subject) {
        Map<String, String> claims = new LinkedHashMap<>();
        claims.put("u", subject.userId());
        claims.put("j", subject.journey() == null ? "" : subject.journey());
        claims.put("c", subject.channel());
        try {
            String payload = B64.encodeToString(json.writeValueAsBytes(claims));
            return payload + "." + B64.encodeToString(sign(payload));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The subject of a token this service signed; empty for anything else. */
    public Optional<Subject> verify(String token) {
        if (token == null) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot == token.length() - 1) {
            return Optional.empty();
        }
        String payload = token.substring(0, dot);
        try {
            byte[] given = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(given, sign(payload))) {
                return Optional.empty();
            }
            Map<?, ?> claims = json.readValue(Base64.getUrlDecoder().decode(payload), Map.class);
            String journey = (String) claims.get("j");
            return Optional.of(new Subject(
                    (String) claims.get("u"), journey == null || journey.isEmpty() ? null : journey, (String)
                            claims.get("c")));
        } catch (IllegalArgumentException | java.io.IOException | ClassCastException e) {
            return Optional.empty();
        }
    }

    private byte[] sign(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
