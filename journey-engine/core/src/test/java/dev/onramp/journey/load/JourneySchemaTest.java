package dev.onramp.journey.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.onramp.journey.cel.Conditions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema editors use (docs/journey.schema.json) agrees with the loader: the shipped journeys pass both, and
 * a broken one fails both.
 */
class JourneySchemaTest {

    static final Path ROOT = root();

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docs/journey.schema.json"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    static JsonSchema schema() throws Exception {
        try (InputStream in = Files.newInputStream(ROOT.resolve("docs/journey.schema.json"))) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in);
        }
    }

    static Set<ValidationMessage> validate(Path file) throws Exception {
        JsonNode yaml = new YAMLMapper().readTree(file.toFile());
        return schema().validate(yaml);
    }

    @Test
    void theShippedRoutesFollowTheirSchemaAndABrokenRuleFailsIt() throws Exception {
        JsonSchema routes;
        try (InputStream in = Files.newInputStream(ROOT.resolve("docs/routes.schema.json"))) {
            routes = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in);
        }
        JsonNode shipped = new YAMLMapper()
                .readTree(ROOT.resolve("deploy/journeys/routes.yaml").toFile());
        assertThat(routes.validate(shipped)).isEmpty();
        JsonNode broken = new YAMLMapper().readTree("routes: [{ id: Bugs, priority: asap, colour: red }]");
        assertThat(routes.validate(broken)).hasSize(3);
    }

    @Test
    void theShippedJourneysFollowTheSchemaAndLoadWithoutProblems() throws Exception {
        Path journeys = ROOT.resolve("deploy/journeys");
        List<Path> files = JourneyDirectory.journeyFiles(journeys);
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            assertThat(validate(file)).as(file.toString()).isEmpty();
        }
        JourneyDirectory.Loaded loaded = JourneyDirectory.load(journeys, new Conditions());
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.journeys().size()).isEqualTo(files.size());
    }

    @Test
    void aBrokenJourneyFailsTheSchemaAsItFailsTheLoader() throws Exception {
        Path broken = Path.of("src/test/resources/broken/typo.yaml");
        assertThat(validate(broken))
                .extracting(ValidationMessage::getMessage)
                .anySatisfy(m -> assertThat(m).contains("evnt"))
                .anySatisfy(m -> assertThat(m).contains("nudge.channel"))
                .anySatisfy(m -> assertThat(m).contains("nudge.after"));
        assertThat(new JourneyParser(new Conditions(), null)
                        .parse("typo.yaml", Files.readString(broken))
                        .problems())
                .isNotEmpty();
    }
}
