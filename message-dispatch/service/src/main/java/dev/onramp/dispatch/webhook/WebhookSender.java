package dev.onramp.dispatch.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.send.Destinations;
import dev.onramp.dispatch.send.Outgoing;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.dispatch.send.Sender;
import dev.onramp.templates.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * The webhook channel: the rendered JSON POSTed to an integration, signed so it can check who sent it and when:
 * {@code X-Onramp-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>} with the timestamp (Unix seconds)
 * in {@code X-Onramp-Timestamp}; while a secret is being rotated, one {@code v1=} per secret, comma-separated, the
 * current one first. 2xx is delivered; 408, 429, 5xx and no answer are retried; other 4xx fail.
 *
 * <p>Only to allowed hosts that resolve to public addresses ({@link Destinations}); the request goes to the address that
 * was checked, redirects are not followed, and the answer's body is never read. What a failure says names the host and
 * the status, never a path, a query (they may hold tokens), an address or an answer, since it travels back to the
 * explain API.
 */
@ApplicationScoped
public class WebhookSender implements Sender {

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);

    private final DispatchConfig config;
    private final ObjectMapper json;
    private final Destinations destinations;
    private final HttpClient http;

    WebhookSender(DispatchConfig config, ObjectMapper json, Vertx vertx) {
        this.config = config;
        this.json = json;
        List<String> hosts = new ArrayList<>(config.outbound().allowedHosts().orElse(List.of()));
        config.webhook().url().flatMap(Destinations::hostOf).ifPresent(hosts::add);
        this.destinations = new Destinations(
                hosts, config.outbound().allowedNetworks().orElse(List.of()), Destinations.Resolver.SYSTEM);
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(5_000)
                .setKeepAlive(true)
                .setMaxPoolSize(Math.max(1, config.webhook().concurrency()))
                .setVerifyHost(true)
                .setTrustAll(false));
    }

    @Override
    public Channel channel() {
        return Channel.WEBHOOK;
    }

    /** Posts to where the template's {@code url:} says, or to {@code onramp.dispatch.webhook.url}. */
    @Override
    public SendOutcome send(Outgoing message) {
        String url = message.rendered().header("url");
        String body = message.rendered().body();
        String target =
                url != null && !url.isBlank() ? url : config.webhook().url().orElse(null);
        if (target == null) {
            return SendOutcome.permanent("no webhook url: set onramp.dispatch.webhook.url or a 'url:' in the template");
        }
        try {
            json.readTree(body);
        } catch (IOException e) {
            return SendOutcome.permanent("the webhook template did not render valid JSON: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                            ? j.getOriginalMessage()
                            : "unreadable"));
        }
        Destinations.Allowed to;
        switch (destinations.check(target)) {
            case Destinations.Refused refused -> {
                return SendOutcome.permanent("webhook refused: " + refused.reason());
            }
            case Destinations.Allowed allowed -> to = allowed;
        }
        String host = to.uri().getHost();
        String timestamp = Long.toString(message.now().getEpochSecond());
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(to.address(), to.port())))
                .setHost(host)
                .setPort(to.port())
                .setSsl("https".equalsIgnoreCase(to.uri().getScheme()))
                .setURI(pathAndQuery(to.uri()))
                .setFollowRedirects(false)
                .setTimeout(config.webhook().timeout().toMillis())
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "Onramp")
                .putHeader("X-Onramp-Message-Id", message.messageId())
                .putHeader("X-Onramp-Timestamp", timestamp);
        List<String> secrets = secrets();
        if (!secrets.isEmpty()) {
            request.putHeader(
                    "X-Onramp-Signature",
                    secrets.stream()
                            .map(secret -> "v1=" + signature(secret, timestamp, body))
                            .collect(Collectors.joining(",")));
        }
        CompletableFuture<Integer> answered = new CompletableFuture<>();
        http.request(request)
                .compose(req -> req.send(Buffer.buffer(body)))
                .compose(response -> {
                    // The body is not read: it goes nowhere, so it can leak nothing.
                    response.handler(ignored -> {});
                    return response.end().map(ignored -> response.statusCode());
                })
                .onComplete(result -> {
                    if (result.succeeded()) {
                        answered.complete(result.result());
                    } else {
                        answered.completeExceptionally(result.cause());
                    }
                });
        try {
            int status = answered.get(
                    config.webhook().timeout().toMillis() + 5_000, java.util.concurrent.TimeUnit.MILLISECONDS);
            if (status >= 200 && status < 300) {
                return new SendOutcome(SendOutcome.Kind.DELIVERED, null, null);
            }
            String detail = "the webhook at " + host + " answered " + status;
            return status == 408 || status == 429 || status >= 500
                    ? SendOutcome.transientFailure(detail)
                    : SendOutcome.permanent(detail);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendOutcome.transientFailure("interrupted");
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            // The operator's log may say why (the connection was refused, a certificate did not match); the outcome,
            // which callers see, says only that there was no answer: refused or silent, it tells nothing of the
            // network.
            LOG.debugf("webhook %s to %s: %s", message.messageId(), host, cause);
            return SendOutcome.transientFailure("the webhook at " + host + " did not answer");
        }
    }

    /** The secrets each POST is signed with: the current one, then the previous one while it is being rotated out. */
    private List<String> secrets() {
        List<String> secrets = new ArrayList<>(2);
        config.webhook().secret().ifPresent(secrets::add);
        config.webhook().secretPrevious().ifPresent(secrets::add);
        return secrets;
    }

    private static String pathAndQuery(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
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
