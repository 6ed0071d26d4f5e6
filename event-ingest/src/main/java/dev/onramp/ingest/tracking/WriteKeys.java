package dev.onramp.ingest.tracking;

import dev.onramp.ingest.IngestConfig;
import dev.onramp.ingest.Refusals;
import dev.onramp.pipeline.problem.ProblemException;
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
            java.util.List<String> keys = new java.util.ArrayList<>(java.util.List.of(source.writeKey()));
            source.writeKeyPrevious().filter(k -> !k.isBlank()).ifPresent(keys::add);
            for (String key : keys) {
                String previous = sourceByKey.put(key, name);
                if (previous != null) {
                    throw new IllegalStateException(
                            "sources " + previous + " and " + name + " have the same write key; each needs its own");
                }
            }
        });
    }

    /**
     * The source an Authorization header names, checked before the body is read.
     *
     * @return null when there is no Basic header (the key may be in the body)
     * @throws ProblemException 401 when it names no known source
     */
    public String fromHeader(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String key;
        try {
            String decoded = new String(
                    Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            key = colon < 0 ? decoded : decoded.substring(0, colon);
        } catch (IllegalArgumentException e) {
            throw Refusals.unauthorized("The Authorization header is not valid HTTP Basic credentials.");
        }
        return known(key);
    }

    /**
     * The source a body's {@code writeKey} names.
     *
     * @throws ProblemException 401 when it is missing or names no known source
     */
    public String fromBody(String writeKey) {
        if (writeKey == null || writeKey.isEmpty()) {
            throw Refusals.unauthorized(
                    "Send the source's write key as the HTTP Basic user name (empty password) or as writeKey in the body.");
        }
        return known(writeKey);
    }

    private String known(String key) {
        String source = key.isEmpty() ? null : sourceByKey.get(key);
        if (source == null) {
            throw Refusals.unauthorized("The write key is not one of a configured source.");
        }
        return source;
    }
}
