package dev.onramp.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.quarkus.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Thousands of malformed and hostile calls — broken JSON, wrong types, deep nesting, huge strings, invalid UTF-8,
 * wrong content types and encodings — generated from a fixed seed. Every one is answered below 500, every refusal
 * is a problem document, and the service is healthy afterwards.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
class FuzzTest {

    static final long SEED = 20_261_122L;
    static final int CALLS = 3_000;
    static final String AUTH =
            "Basic " + Base64.getEncoder().encodeToString("test-write-key:".getBytes(StandardCharsets.UTF_8));
    static final String[] PATHS = {
        "/v1/track", "/v1/identify", "/v1/page", "/v1/group", "/v1/alias", "/v1/batch", "/v1/import/", "/v1/t"
    };
    static final String[] CONTENT_TYPES = {
        "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/xml", "garbage/;;;=", "application/json; charset=latin1", ""
    };
    static final String[] FIELDS = {
        "userId",
        "anonymousId",
        "event",
        "properties",
        "traits",
        "context",
        "timestamp",
        "messageId",
        "sentAt",
        "type",
        "batch",
        "groupId",
        "previousId",
        "name",
        "writeKey",
        "integrations"
    };
    static final String[] VALUES = {
        "null",
        "true",
        "0",
        "-1",
        "1e400",
        "12345678901234567890123456789",
        "\"\"",
        "\" \"",
        "[]",
        "{}",
        "[[[[[]]]]]",
        "{\"$ref\":\"#\"}",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"2026-13-45T99:99:99Z\"",
        "\"<script>alert(1)</script>\"",
        "\"' OR 1=1 --\"",
        "\"{user.traits.x}\"",
        "\"%s%s%n\"",
        "1.5",
        "[1,\"a\",null]"
    };

    @TestHTTPResource("/")
    URL root;

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final HttpClient http11 = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    final ObjectMapper json = new ObjectMapper();

    record Call(String path, String contentType, String encoding, byte[] body, String what) {}

    @Test
    void answersEveryMalformedOrHostileCallWithA4xxProblemAndStaysHealthy() throws Exception {
        Random random = new Random(SEED);
        List<String> failures = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < CALLS; i++) {
            Call call = generate(random);
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(root.toString().replaceAll("/$", "") + call.path()))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", AUTH)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(call.body()));
            if (!call.contentType().isEmpty()) {
                request.header("Content-Type", call.contentType());
            }
            if (call.encoding() != null) {
                request.header("Content-Encoding", call.encoding());
            }
            HttpResponse<String> response;
            try {
                // Half over HTTP/1.1 as most SDKs speak it, half over HTTP/2.
                response = (i % 2 == 0 ? http11 : http).send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                failures.add("#" + i + " " + call.what() + ": connection failed: " + e);
                continue;
            }
            int status = response.statusCode();
            if (status >= 500) {
                failures.add("#" + i + " " + call.what() + ": " + status + " " + abbreviate(response.body()));
            } else if (status >= 400) {
                refused++;
                String type = response.headers().firstValue("Content-Type").orElse("");
                if (!type.startsWith("application/problem+json")) {
                    failures.add("#" + i + " " + call.what() + ": " + status + " with content type '" + type + "'");
                } else {
                    JsonNode problem = json.readTree(response.body());
                    if (problem.path("status").asInt() != status
                            || problem.path("title").asText().isEmpty()) {
                        failures.add("#" + i + " " + call.what() + ": problem document " + abbreviate(response.body()));
                    }
                }
            }
            if (failures.size() > 20) {
                break;
            }
        }
        assertThat(failures)
                .as("calls answered with 5xx or without a problem document")
                .isEmpty();
        assertThat(refused).as("the generator produces mostly bad calls").isGreaterThan(CALLS / 2);

        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create(root + "q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> valid = http.send(
                HttpRequest.newBuilder(URI.create(root + "v1/track"))
                        .header("Authorization", AUTH)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"userId\":\"after-fuzz\",\"event\":\"Still Fine\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(valid.statusCode()).isEqualTo(200);
    }

    private Call generate(Random random) throws Exception {
        String path = PATHS[random.nextInt(PATHS.length)];
        String contentType = CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)];
        return switch (random.nextInt(10)) {
            case 0 -> {
                byte[] bytes = new byte[random.nextInt(2_000)];
                random.nextBytes(bytes);
                yield new Call(path, contentType, null, bytes, "random bytes");
            }
            case 1 -> new Call(path, contentType, null, mutate(valid(path), random), "mutated JSON");
            case 2 -> {
                int depth = 100 + random.nextInt(50_000);
                String open = random.nextBoolean() ? "[" : "{\"a\":";
                String nested = "{\"userId\":\"u\",\"event\":\"e\",\"properties\":" + open.repeat(depth) + "1";
                yield new Call(path, contentType, null, nested.getBytes(StandardCharsets.UTF_8), "nesting " + depth);
            }
            case 3 -> {
                String huge = "x".repeat(1_000 + random.nextInt(600_000));
                yield new Call(
                        path,
                        contentType,
                        null,
                        ("{\"userId\":\"u\",\"event\":\"" + huge + "\"}").getBytes(StandardCharsets.UTF_8),
                        "string of " + huge.length());
            }
            case 4 -> {
                byte[] bad = {
                    (byte) 0xC3,
                    (byte) 0x28,
                    (byte) 0xFF,
                    (byte) 0xC0,
                    (byte) 0xAF,
                    (byte) 0xED,
                    (byte) 0xA0,
                    (byte) 0x80
                };
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write("{\"userId\":\"u".getBytes(StandardCharsets.UTF_8));
                out.write(bad, 0, 1 + random.nextInt(bad.length));
                out.write("\",\"event\":\"e\"}".getBytes(StandardCharsets.UTF_8));
                yield new Call(path, contentType, null, out.toByteArray(), "invalid UTF-8");
            }
            case 5, 6 -> {
                String field = FIELDS[random.nextInt(FIELDS.length)];
                String value = VALUES[random.nextInt(VALUES.length)];
                String body = path.contains("batch") || path.contains("import")
                        ? "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"" + field + "\":" + value
                                + "}]}"
                        : "{\"userId\":\"u\",\"event\":\"e\",\"previousId\":\"p\",\"groupId\":\"g\",\"" + field + "\":"
                                + value + "}";
                yield new Call(path, contentType, null, body.getBytes(StandardCharsets.UTF_8), field + "=" + value);
            }
            case 7 -> {
                byte[] body = valid(path);
                if (random.nextBoolean()) {
                    yield new Call(path, "application/json", "gzip", body, "not gzip but says so");
                }
                ByteArrayOutputStream zipped = new ByteArrayOutputStream();
                try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
                    gzip.write(mutate(body, random));
                }
                byte[] bytes = zipped.toByteArray();
                yield new Call(
                        path,
                        "application/json",
                        random.nextBoolean() ? "gzip" : "br",
                        java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1)),
                        "truncated or mislabelled gzip");
            }
            case 8 -> {
                String[] bodies = {
                    "",
                    "null",
                    "[]",
                    "\"text\"",
                    "42",
                    "{\"batch\":{}}",
                    "{\"batch\":[1,2,3]}",
                    "{\"batch\":[[]]}",
                    "{\"batch\":null}",
                    "{}",
                    "{\"userId\":{}}",
                    "{\"userId\":\"u\",\"event\":\"\"}",
                    "{\"userId\":\"" + "u".repeat(300) + "\",\"event\":\"e\"}"
                };
                yield new Call(
                        path,
                        contentType,
                        null,
                        bodies[random.nextInt(bodies.length)].getBytes(StandardCharsets.UTF_8),
                        "odd shape");
            }
            default -> {
                StringBuilder batch = new StringBuilder("{\"batch\":[");
                int items = random.nextInt(3_000);
                for (int i = 0; i < items; i++) {
                    batch.append(i == 0 ? "" : ",")
                            .append("{\"type\":\"track\",\"userId\":\"u")
                            .append(i)
                            .append("\",\"event\":\"e\"}");
                }
                yield new Call(
                        "/v1/batch",
                        contentType,
                        null,
                        batch.append("]}").toString().getBytes(StandardCharsets.UTF_8),
                        items + " items");
            }
        };
    }

    private static byte[] valid(String path) {
        String body = path.contains("batch") || path.contains("import")
                ? "{\"batch\":[{\"type\":\"track\",\"userId\":\"fuzz\",\"event\":\"Fuzzed\",\"properties\":{\"a\":[1,2,{\"b\":null}]}}],\"sentAt\":\"2026-03-02T09:00:00Z\"}"
                : "{\"userId\":\"fuzz\",\"event\":\"Fuzzed\",\"previousId\":\"p\",\"groupId\":\"g\",\"properties\":{\"a\":[1,2,{\"b\":null}]},\"timestamp\":\"2026-03-02T09:00:00Z\"}";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] mutate(byte[] input, Random random) {
        byte[] out = input.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && out.length > 0; e++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(3)) {
                case 0 -> out[at] = (byte) random.nextInt(256);
                case 1 -> out = java.util.Arrays.copyOf(out, at);
                default -> {
                    byte[] longer = new byte[out.length + 1];
                    System.arraycopy(out, 0, longer, 0, at);
                    longer[at] = (byte) "{}[]\",:\\".charAt(random.nextInt(8));
                    System.arraycopy(out, at, longer, at + 1, out.length - at);
                    out = longer;
                }
            }
        }
        return out;
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
