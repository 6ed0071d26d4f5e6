package dev.onramp.ingest.tracking;

import dev.onramp.ingest.IngestConfig;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The settings Segment's browser SDK loads before it sends anything ({@code <cdnURL>/v1/projects/<writeKey>/settings}),
 * so that a page loads it with {@code cdnURL} pointed here and no third-party CDN: they send every event to this
 * service, load no other integration or plugin, and send no SDK metrics.
 */
@Path("/v1/projects/{writeKey}/settings")
public class SdkSettingsResource {

    private final IngestConfig config;
    private final WriteKeys writeKeys;

    SdkSettingsResource(IngestConfig config, WriteKeys writeKeys) {
        this.config = config;
        this.writeKeys = writeKeys;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response settings(@PathParam("writeKey") String writeKey, @Context UriInfo request) {
        writeKeys.fromBody(writeKey);
        URI base = config.publicUrl().orElse(request.getBaseUri());
        String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        // The SDK joins protocol and apiHost itself: "<protocol>://<apiHost>/t" and so on.
        Map<String, Object> segment = Map.of(
                "apiKey", writeKey, "apiHost", base.getRawAuthority() + path + "/v1", "protocol", base.getScheme());
        Map<String, Object> settings = Map.of(
                "integrations", Map.of("Segment.io", segment),
                "plan", Map.of("track", Map.of("__default", Map.of("enabled", true))),
                "metrics", Map.of("sampleRate", 0),
                "remotePlugins", List.of());
        return Response.ok(settings)
                .header("Cache-Control", "public, max-age=300")
                .build();
    }
}
