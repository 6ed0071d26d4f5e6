package dev.onramp.ingest.tracking;

import dev.onramp.ingest.IngestConfig;
import dev.onramp.ingest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Finds the source a call comes from: by the write key in HTTP Basic auth (user, empty password) or in the body. */
@ApplicationScoped
public class WriteKeys {

    private final Map<String, String> sourceByKey = new HashMap<>();

    WriteKeys(IngestConfig config) {
        config.sources().forEach((name, source) -> {
            String previous = sourceByKey.put(source.writeKey(), name);
            if (previous != null) {
                throw new IllegalStateException(
                        "sources " + previous + " and " + name + " have the same write key; each needs its own");
            }
        });
    }

    /**
     * @param authorization the Authorization header, if any
     * @param bodyWriteKey the {@code writeKey} field of the body, if any
     * @return the source's name
     * @throws ProblemException 401 when neither names a known source
     */
    public String authenticate(String authorization, String bodyWriteKey) {
        String key = keyFromHeader(authorization);
        if (key == null) {
            key = bodyWriteKey;
        }
        if (key == null || key.isEmpty()) {
            throw ProblemException.unauthorized(
                    "Send the source's write key as the HTTP Basic user name (empty password) or as writeKey in the"
                            + " body.");
        }
        String source = sourceByKey.get(key);
        if (source == null) {
            throw ProblemException.unauthorized("The write key is not one of a configured source.");
        }
        return source;
    }

    private static String keyFromHeader(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(
                    Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? decoded : decoded.substring(0, colon);
        } catch (IllegalArgumentException e) {
            throw ProblemException.unauthorized("The Authorization header is not valid HTTP Basic credentials.");
        }
    }
}
