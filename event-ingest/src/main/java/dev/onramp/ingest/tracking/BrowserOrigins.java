package dev.onramp.ingest.tracking;

import dev.onramp.ingest.IngestConfig;
import dev.onramp.ingest.IngestMetrics;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * CORS for browser SDKs, per source. A preflight carries no write key, so it is answered for the origins any source
 * allows; the call itself then names its source, and {@link #check} refuses it (403) when that source does not allow
 * the page's origin — so one source's origins never open another's. Never {@code Allow-Credentials}: the SDKs send
 * no cookies, and the write key is public. Quarkus' own CORS filter takes one list of origins for the whole service,
 * which cannot say this.
 */
@ApplicationScoped
public class BrowserOrigins {

    /**
     * What browser SDKs send beyond the CORS-safe headers: Segment's analytics-next the write key in
     * {@code Authorization} and {@code X-Retry-Count} on retries; RudderStack's SDK {@code AnonymousId}, {@code SentAt}
     * and its {@code RSA-*} retry headers; a page may propagate a trace.
     */
    static final String ALLOWED_HEADERS = String.join(
            ", ",
            "Content-Type",
            "Content-Encoding",
            "Authorization",
            "X-Retry-Count",
            "traceparent",
            "AnonymousId",
            "SentAt",
            "RSA-Retry-Attempt",
            "RSA-Retry-Reason",
            "RSA-Since-First-Attempt",
            "RSA-Since-Last-Attempt");

    private static final String ANY = "*";

    private final Map<String, Set<String>> bySource = new HashMap<>();
    private final Set<String> allowedSomewhere = new HashSet<>();
    private final IngestMetrics metrics;

    BrowserOrigins(IngestConfig config, IngestMetrics metrics) {
        this.metrics = metrics;
        config.sources().forEach((name, source) -> {
            Set<String> origins = new HashSet<>();
            for (String origin : source.allowedOrigins().orElse(List.of())) {
                String normalized = normalize(origin);
                if (!normalized.equals(ANY) && !normalized.matches("https?://[^/\\s]+")) {
                    throw new IllegalStateException("onramp.ingest.sources." + name + ".allowed-origins: '" + origin
                            + "' is not an origin such as https://app.example.com (scheme, host, port; no path) or *");
                }
                origins.add(normalized);
            }
            bySource.put(name, origins);
            allowedSomewhere.addAll(origins);
        });
    }

    void register(@Observes Filters filters) {
        filters.register(this::filter, 200);
    }

    private void filter(RoutingContext rc) {
        String origin = rc.request().getHeader("Origin");
        String path = rc.normalizedPath();
        if (origin == null || !(path.startsWith("/v1/") || path.startsWith("/sourceConfig"))) {
            rc.next();
            return;
        }
        boolean allowed = allowedSomewhere.contains(ANY) || allowedSomewhere.contains(normalize(origin));
        var response = rc.response();
        response.headers().add("Vary", "Origin");
        if (rc.request().method() == HttpMethod.OPTIONS
                && rc.request().getHeader("Access-Control-Request-Method") != null) {
            if (allowed) {
                response.putHeader("Access-Control-Allow-Origin", origin)
                        .putHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
                        .putHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS)
                        .putHeader("Access-Control-Max-Age", "86400")
                        .setStatusCode(204)
                        .end();
            } else {
                metrics.rejected("origin-not-allowed");
                response.setStatusCode(403).end();
            }
            return;
        }
        if (allowed) {
            // Lets the SDK read Retry-After of a 429 or 503 and back off as told.
            response.putHeader("Access-Control-Allow-Origin", origin)
                    .putHeader("Access-Control-Expose-Headers", "Retry-After");
        }
        rc.next();
    }

    /**
     * Refuses a call from a page whose origin its source does not allow; a call without {@code Origin} (a server
     * SDK, curl) passes.
     */
    public void check(String source, String origin) {
        if (origin == null) {
            return;
        }
        Set<String> origins = bySource.getOrDefault(source, Set.of());
        if (origins.contains(ANY) || origins.contains(normalize(origin))) {
            return;
        }
        throw new ProblemException(Problem.of(
                403,
                "origin-not-allowed",
                "Origin not allowed",
                "Pages of " + origin + " may not send this source's events: add the origin to onramp.ingest.sources."
                        + source + ".allowed-origins.",
                null));
    }

    private static String normalize(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
