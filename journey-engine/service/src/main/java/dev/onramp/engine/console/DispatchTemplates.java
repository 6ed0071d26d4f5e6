package dev.onramp.engine.console;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** message-dispatch's template API, as the console calls it (docs/operations.md, "message-dispatch's HTTP API"). */
@Path("/v1/templates")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface DispatchTemplates {

    /** Renders a template: {@code {"template", "locale", "headers", "body", "text"}}. */
    @POST
    @Path("{name}/preview")
    JsonNode preview(
            @PathParam("name") String name,
            @HeaderParam("Authorization") String authorization,
            Map<String, Object> request);

    /** Renders a template and sends it, marked as a test, to {@code request.to}. */
    @POST
    @Path("{name}/test-send")
    JsonNode testSend(
            @PathParam("name") String name,
            @HeaderParam("Authorization") String authorization,
            Map<String, Object> request);
}
