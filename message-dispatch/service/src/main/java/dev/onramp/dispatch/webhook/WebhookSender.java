package dev.onramp.dispatch.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.send.Outgoing;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.dispatch.send.Sender;
import dev.onramp.templates.Channel;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook channel: the rendered JSON POSTed to an integration, signed so it can check who sent it and when:
 * {@code X-Onramp-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>} with the timestamp (Unix seconds)
 * in {@code X-Onramp-Timestamp}. 2xx is delivered; 408, 429, 5xx and no answer are retried; other 4xx fail.
 */
@ApplicationScoped
public class WebhookSender implements Sender {

    private final DispatchConfig config;
    private final ObjectMapper json;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    WebhookSender(DispatchConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    @Override
    public Channel channel() {
        return Channel.WEBHOOK;
    }

    /** Posts to where the template's {@code url:} says, or to {@code onramp.dispatch.webhook.url}. */
    @Override
    public SendOutcome send(Outgoing message) {
        String messageId = message.messageId();
        String url = message.rendered().header("url");
        String body = message.rendered().body();
        Instant now = message.now();
        String target =
                url != null && !url.isBlank() ? url : config.webhook().url().orElse(null);
        if (target == null) {
            return SendOutcome.permanent("no webhook url: set onramp.dispatch.webhook.url or a 'url:' in the template");
        }
        try {
            json.readTree(body);
        } catch (IOException e) {
            return SendOutcome.permanent("the webhook template did not render valid JSON: " + e.getMessage());
        }
        String timestamp = Long.toString(now.getEpochSecond());
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(target));
        } catch (IllegalArgumentException e) {
            return SendOutcome.permanent("'" + target + "' is not a URL");
        }
        request.timeout(config.webhook().timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Onramp")
                .header("X-Onramp-Message-Id", messageId)
                .header("X-Onramp-Timestamp", timestamp)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        config.webhook()
                .secret()
                .ifPresent(secret -> request.header("X-Onramp-Signature", "v1=" + signature(secret, timestamp, body)));
        try {
            HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return new SendOutcome(SendOutcome.Kind.DELIVERED, null, null);
            }
            String detail = target + " answered " + status;
            return status == 408 || status == 429 || status >= 500
                    ? SendOutcome.transientFailure(detail)
                    : SendOutcome.permanent(detail);
        } catch (IOException e) {
            return SendOutcome.transientFailure(target + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendOutcome.transientFailure("interrupted");
        }
    }

    /** What a receiver computes to check a request: hex HMAC-SHA256 of "timestamp.body". */
    public static String signature(String secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
