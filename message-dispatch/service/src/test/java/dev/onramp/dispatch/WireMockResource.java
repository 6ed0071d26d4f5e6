package dev.onramp.dispatch;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A local HTTP server that records what it is sent (WireMock): the Twilio-compatible SMS API, the webhook receiver,
 * and the destinations conversations are handed to (a Zendesk-shaped help desk, a signed webhook, a Slack webhook).
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
        // The receiver is on loopback, which webhooks may reach only when its network is allowed; 127.0.0.2 is an
        // allowed host whose network is not, for the tests of private addresses.
        return Map.ofEntries(
                Map.entry("onramp.dispatch.destinations.zendesk.url", base + "/zendesk"),
                Map.entry("onramp.dispatch.destinations.zendesk.email", "support@acme.example"),
                Map.entry("onramp.dispatch.destinations.zendesk.token", "zd-test-token"),
                Map.entry("onramp.dispatch.destinations.zendesk.timeout", "1s"),
                Map.entry("onramp.dispatch.destinations.zendesk.groups.revenue", "360001"),
                Map.entry("onramp.dispatch.destinations.zendesk.webhook-secret", HandoffsTest.ZENDESK_SIGNING_SECRET),
                Map.entry("onramp.dispatch.destinations.product-inbox.url", base + "/hooks/product"),
                Map.entry("onramp.dispatch.destinations.product-inbox.secret", HandoffsTest.WEBHOOK_SECRET),
                Map.entry("onramp.dispatch.destinations.slack-revenue.url", base + "/slack/T000/B000/XXXX"),
                Map.entry("onramp.dispatch.handoffs.first-retry", "200ms"),
                Map.entry("onramp.dispatch.sms.base-url", base),
                Map.entry("onramp.dispatch.webhook.url", base + "/hooks/onramp"),
                Map.entry("onramp.dispatch.outbound.allowed-hosts", "127.0.0.2"),
                Map.entry("onramp.dispatch.outbound.allowed-networks", "127.0.0.1/32"));
    }

    @Override
    public void stop() {
        // Kept for every test class of the JVM; it dies with it.
    }
}
