package dev.onramp.ingest;

import com.sun.net.httpserver.HttpServer;
import dev.onramp.infra.FreePorts;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * A product's web pages on an origin of their own ({@code http://127.0.0.1:<port>}, while event-ingest answers at
 * {@code http://localhost:<port>}), so that the browser applies CORS to every call the SDK makes. Serves
 * {@code src/test/resources/browser/}. Configures a source {@code web} that allows this origin and a source
 * {@code closed} that allows none.
 */
public class ProductPages implements QuarkusTestResourceLifecycleManager {

    static volatile String origin;
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", FreePorts.find()), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().replaceFirst("^/", "");
            if (name.equals("favicon.ico")) {
                // Asked for by the browser with every page: none, and no error in the console for it.
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            try (InputStream in = name.matches("[a-z-]+\\.(html|js)")
                    ? ProductPages.class.getResourceAsStream("/browser/" + name)
                    : null) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = in.readAllBytes();
                exchange.getResponseHeaders()
                        .add("Content-Type", name.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } finally {
                exchange.close();
            }
        });
        server.start();
        origin = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of(
                "onramp.ingest.sources.web.write-key",
                "web-write-key",
                "onramp.ingest.sources.web.allowed-origins",
                origin + ",https://app.example.com",
                "onramp.ingest.sources.web.identity-secret",
                BrowserSdkTest.IDENTITY_SECRET,
                "onramp.ingest.sources.closed.write-key",
                "closed-write-key");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
