package dev.onramp.ingest.tracking;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/**
 * The source configuration RudderStack's browser SDK loads before it sends anything
 * ({@code <configUrl>/sourceConfig/?writeKey=…}, the write key also in HTTP Basic auth): a source with no destination
 * of its own, so that the SDK sends every event to its data plane — this service — and loads nothing else.
 */
@Path("/sourceConfig{slash: /?}")
public class RudderStackConfigResource {

    private final WriteKeys writeKeys;

    RudderStackConfigResource(WriteKeys writeKeys) {
        this.writeKeys = writeKeys;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response sourceConfig(
            @HeaderParam("Authorization") String authorization, @QueryParam("writeKey") String writeKey) {
        String byHeader = writeKeys.fromHeader(authorization);
        String source = byHeader != null ? byHeader : writeKeys.fromBody(writeKey);
        Map<String, Object> config = Map.of(
                "statsCollection", Map.of("errors", Map.of("enabled", false), "metrics", Map.of("enabled", false)));
        Map<String, Object> sourceConfig = Map.of(
                "id",
                source,
                "name",
                source,
                "workspaceId",
                "onramp",
                "enabled",
                true,
                "config",
                config,
                "destinations",
                List.of());
        return Response.ok(Map.of("source", sourceConfig))
                .header("Cache-Control", "private, max-age=300")
                .build();
    }
}
