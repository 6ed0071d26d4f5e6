package dev.onramp.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.pipeline.problem.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Bodies beyond the HTTP server's limit ({@code quarkus.http.limits.max-body-size}) are refused before any resource
 * sees them; this makes that refusal a problem document like every other.
 */
@ApplicationScoped
public class BodyTooLarge {

    private final long limit;
    private final ObjectMapper json;
    private final IngestMetrics metrics;

    BodyTooLarge(
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize limit,
            ObjectMapper json,
            IngestMetrics metrics) {
        this.limit = limit.asLongValue();
        this.json = json;
        this.metrics = metrics;
    }

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            if (length != null && isLarger(length)) {
                refuse(ctx);
            } else {
                ctx.next();
            }
        });
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
                refuse(ctx);
            } else {
                ctx.next();
            }
        });
    }

    private boolean isLarger(String length) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void refuse(RoutingContext ctx) {
        metrics.rejected("too-large");
        Problem problem = Problem.of(
                        413,
                        "too-large",
                        "Request too large",
                        "The body is larger than " + limit
                                + " bytes, the most this server reads; a batch may be at most"
                                + " 500 KB and an event 32 KB.")
                .at(ctx.request().path());
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            body = "{\"status\":413}";
        }
        ctx.response()
                .setStatusCode(413)
                .putHeader("Content-Type", Problem.MEDIA_TYPE)
                .putHeader("Connection", "close")
                .end(body);
    }
}
