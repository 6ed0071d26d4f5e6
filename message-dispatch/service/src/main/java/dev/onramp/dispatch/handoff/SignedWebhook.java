package dev.onramp.dispatch.handoff;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A signed webhook destination, by the Standard Webhooks specification: the JSON event POSTed with
 * {@code webhook-id} (the message id, the same on every retry, so the receiver can drop repeats),
 * {@code webhook-timestamp} (Unix seconds) and {@code webhook-signature: v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>}, keyed by the secret ({@code whsec_<base64>}, or its text). 2xx is done; 408, 429 and 5xx are
 * retried; another 4xx is refused for good.
 */
final class SignedWebhook {

    private final HttpClient http;
    private final ObjectMapper json;

    SignedWebhook(HttpClient http, ObjectMapper json) {
        this.http = http;
        this.json = json;
    }

    Handed hand(DispatchConfig.Destination config, Handoff h, Instant now) throws IOException, InterruptedException {
        String body = h.event(json).toString();
        String timestamp = Long.toString(now.getEpochSecond());
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(config.url().orElseThrow()))
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Onramp")
                .header("webhook-id", h.messageId())
                .header("webhook-timestamp", timestamp)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (config.secret().isPresent()) {
            request.header("webhook-signature", "v1," + sign(config.secret().get(), h.messageId(), timestamp, body));
        }
        HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
        return Handed.ofStatus(
                "the webhook",
                response.statusCode(),
                response.headers().firstValue("Retry-After").orElse(null));
    }

    /** base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), the key the secret after its whsec_ prefix. */
    static String sign(String secret, String id, String timestamp, String body) {
        byte[] key = secret.startsWith("whsec_")
                ? Base64.getDecoder().decode(secret.substring(6))
                : secret.getBytes(StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder()
                    .encodeToString(mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
