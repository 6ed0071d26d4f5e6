package dev.onramp.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The wire contracts, {@code docs/contracts/<topic>.schema.json}: the one written source each service checks its
 * records against in its contract tests.
 */
public final class Contracts {

    public static final String EVENTS = "events";
    public static final String MESSAGE_REQUESTS = "message-requests";
    public static final String DELIVERY_EVENTS = "delivery-events";
    public static final String ERASURES = "erasures";
    public static final String CONVERSATIONS = "conversations";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    private Contracts() {}

    /** Every way {@code json} breaks the contract; empty when it follows it. */
    public static List<String> violations(String contract, String json) {
        try {
            return violations(contract, JSON.readTree(json));
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
    }

    public static List<String> violations(String contract, JsonNode json) {
        return schema(contract).validate(json).stream()
                .map(ValidationMessage::getMessage)
                .sorted()
                .toList();
    }

    /** Fails with the violations when {@code json} breaks the contract. */
    public static void check(String contract, String json) {
        List<String> violations = violations(contract, json);
        if (!violations.isEmpty()) {
            throw new AssertionError("breaks the " + contract + " contract: " + violations + "\n" + json);
        }
    }

    private static JsonSchema schema(String contract) {
        return SCHEMAS.computeIfAbsent(contract, name -> {
            Path file = root().resolve("docs/contracts/" + name + ".schema.json");
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                    .formatAssertionsEnabled(true)
                    .build();
            try (InputStream in = Files.newInputStream(file)) {
                return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                        .getSchema(in, config);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        });
    }

    /**
     * The values a contract allows for a field: the {@code enum} at {@code pointer} (a JSON Pointer into the schema,
     * such as {@code /properties/channel/enum}), in the schema's order.
     */
    public static List<String> enumAt(String contract, String pointer) {
        Path file = root().resolve("docs/contracts/" + contract + ".schema.json");
        JsonNode values;
        try {
            values = JSON.readTree(file.toFile()).at(pointer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (!values.isArray()) {
            throw new IllegalArgumentException(contract + " has no enum at " + pointer);
        }
        List<String> list = new ArrayList<>();
        values.forEach(v -> list.add(v.asText()));
        return list;
    }

    /** The repository's root: the nearest folder above the working directory that has {@code docs/contracts}. */
    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("docs/contracts"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no docs/contracts above " + Path.of("").toAbsolutePath());
    }
}
