package dev.onramp.pipeline;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * {@code /q/metrics} on a port of its own when {@code onramp.metrics.port} is set ({@code ONRAMP_METRICS_PORT}): the
 * main port, which end users' browsers and SDKs reach, then answers 404 there, and only what can reach the metrics port
 * (a Prometheus inside the cluster) reads them. Health checks stay on the main port, where probes look. (Quarkus' own
 * management interface is fixed when the service is built, and would move health too.)
 */
@ApplicationScoped
public class MetricsPort {

    private static final Logger LOG = Logger.getLogger(MetricsPort.class);

    private final Optional<Integer> port;
    private final Optional<String> host;
    private HttpServer server;

    MetricsPort(
            @ConfigProperty(name = "onramp.metrics.port") Optional<Integer> port,
            @ConfigProperty(name = "onramp.metrics.host") Optional<String> host) {
        this.port = port;
        this.host = host;
    }

    /** Runs before the application's routes: the main port no longer serves the metrics. */
    void hideOnMainPort(@Observes Router router) {
        if (port.isPresent()) {
            router.route("/q/metrics")
                    .order(Integer.MIN_VALUE)
                    .handler(ctx -> ctx.response().setStatusCode(404).end());
            router.route("/q/metrics/*")
                    .order(Integer.MIN_VALUE)
                    .handler(ctx -> ctx.response().setStatusCode(404).end());
        }
    }

    void start(@Observes StartupEvent ignored, Vertx vertx, Instance<PrometheusMeterRegistry> registries)
            throws Exception {
        if (port.isEmpty() || !registries.isResolvable()) {
            return;
        }
        PrometheusMeterRegistry registry = registries.get();
        server = vertx.createHttpServer().requestHandler(request -> {
            if (!request.path().equals("/q/metrics")) {
                request.response().setStatusCode(404).end();
                return;
            }
            java.util.concurrent.Callable<String> scrape = registry::scrape;
            vertx.executeBlocking(scrape, false).onComplete(scraped -> {
                if (scraped.succeeded()) {
                    request.response()
                            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                            .end(scraped.result());
                } else {
                    request.response().setStatusCode(500).end();
                }
            });
        });
        server.listen(port.get(), host.orElse("0.0.0.0"))
                .toCompletionStage()
                .toCompletableFuture()
                .get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("metrics on port %d (/q/metrics), not on the main port", server.actualPort());
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (server != null) {
            server.close();
        }
    }
}
