package dev.onramp.dispatch;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A local HTTP server that records what it is sent (WireMock): the Twilio-compatible SMS API and the webhook receiver.
 * Tests set its answers with stubs and read its journal.
 */
public class WireMockResource implements QuarkusTestResourceLifecycleManager {

    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        if (server == null) {
            server = new WireMockServer(
                    WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
            server.start();
        }
        String base = "http://127.0.0.1:" + server.port();
        return Map.of("onramp.dispatch.sms.base-url", base, "onramp.dispatch.webhook.url", base + "/hooks/onramp");
    }

    @Override
    public void stop() {
        // Kept for every test class of the JVM; it dies with it.
    }
}
