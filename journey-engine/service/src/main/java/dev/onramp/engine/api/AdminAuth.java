package dev.onramp.engine.api;

import dev.onramp.engine.EngineConfig;
import dev.onramp.pipeline.problem.ProblemException;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** The admin APIs ({@code /v1/...}) need {@code Authorization: Bearer <onramp.engine.admin-token>}. */
public class AdminAuth {

    private final EngineConfig config;

    AdminAuth(EngineConfig config) {
        this.config = config;
    }

    /** Compares in constant time. */
    private static boolean equal(String given, String expected) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    @ServerRequestFilter
    public void check(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/v1/")) {
            return;
        }
        String expected = config.adminToken().orElse(null);
        if (expected == null || expected.isBlank()) {
            throw ProblemException.unauthorized(
                    "No admin token is configured (onramp.engine.admin-token), so the admin API is closed.");
        }
        String header = request.getHeaderString("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim()
                : "";
        String previous = config.adminTokenPrevious().orElse("");
        if (!equal(given, expected) && (previous.isBlank() || !equal(given, previous))) {
            throw ProblemException.unauthorized("Send the admin token as 'Authorization: Bearer <token>'.");
        }
    }
}
