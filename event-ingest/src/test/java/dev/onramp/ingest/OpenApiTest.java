package dev.onramp.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.onramp.infra.Contracts;
import dev.onramp.infra.quarkus.KafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checked-in OpenAPI document is what the service serves, and every path it describes exists. */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
class OpenApiTest {

    @Test
    void servesTheCheckedInDocumentAndEveryPathInItAnswers() throws Exception {
        JsonNode written = new YAMLMapper()
                .readTree(Contracts.root()
                        .resolve("docs/api/event-ingest/openapi.yaml")
                        .toFile());
        JsonNode served = new ObjectMapper()
                .readTree(given().queryParam("format", "json")
                        .get("/q/openapi")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());

        assertThat(served.get("info").get("title").asText())
                .isEqualTo(written.get("info").get("title").asText());
        List<String> paths = new ArrayList<>();
        written.get("paths").fieldNames().forEachRemaining(paths::add);
        List<String> servedPaths = new ArrayList<>();
        served.get("paths").fieldNames().forEachRemaining(servedPaths::add);
        assertThat(servedPaths).containsExactlyInAnyOrderElementsOf(paths);
        for (String path : paths) {
            // Without a (known) write key every documented path and method answers 401, never 404 or 405.
            String concrete = path.replace("{writeKey}", "no-such-key");
            written.get("paths").get(path).fieldNames().forEachRemaining(method -> given().body(
                            "{\"userId\":\"u\",\"event\":\"e\",\"batch\":[]}")
                    .request(method.toUpperCase(java.util.Locale.ROOT), concrete)
                    .then()
                    .statusCode(401));
        }
    }
}
