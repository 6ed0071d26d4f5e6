package dev.onramp.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "erase",
        mixinStandardHelpOptions = true,
        description = {
            "Erases a user everywhere: journey-engine, message-dispatch, and the anonymous ids joined to the user.",
            "The admin token comes from the environment (ONRAMP_ADMIN_TOKEN) or a file (--token-file), never from",
            "the command line, which other users of the machine can read."
        })
final class EraseCommand implements Callable<Integer> {

    @Parameters(paramLabel = "USER_ID", description = "The user to erase.")
    String userId;

    @picocli.CommandLine.Mixin
    EngineOptions engine;

    @Option(
            names = "--wait",
            paramLabel = "DURATION",
            defaultValue = "PT60S",
            description = "How long to wait for the engine to have applied it (ISO-8601, default ${DEFAULT-VALUE});"
                    + " PT0S to only send the request.")
    Duration wait;

    @Override
    public Integer call() throws Exception {
        String token = engine.token();
        if (token == null) {
            return 2;
        }
        URI uri = URI.create(engine.url() + "/v1/users/"
                + URLEncoder.encode(userId, StandardCharsets.UTF_8).replace("+", "%20") + "/erasure");
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> sent;
        try {
            sent = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            System.err.println("journey-engine at " + engine.url() + " did not answer: " + e.getMessage());
            return 1;
        }
        if (sent.statusCode() != 202) {
            System.err.println("journey-engine refused the erasure (" + sent.statusCode() + "): " + sent.body());
            return 1;
        }
        System.out.println("Erasure of " + userId + " requested: " + sent.body());
        if (wait.isZero()) {
            return 0;
        }
        Instant deadline = Instant.now().plus(wait);
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> status = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + token)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (status.statusCode() == 200) {
                System.out.println("Applied by journey-engine: " + status.body());
                System.out.println("message-dispatch applies the same request from onramp.erasures on its own.");
                return 0;
            }
            Thread.sleep(500);
        }
        System.err.println(
                "journey-engine had not applied it after " + wait + "; it will when it reads onramp.erasures.");
        return 1;
    }
}
