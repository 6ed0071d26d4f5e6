package dev.onramp.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyDirectory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema editors use for broadcast files (docs/broadcast.schema.json) agrees with the reader: the shipped
 * files pass both, and a file with a wrong field fails both.
 */
class BroadcastSchemaTest {

    static final Path ROOT = root();

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docs/broadcast.schema.json"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    static JsonSchema schema() throws Exception {
        try (InputStream in = Files.newInputStream(ROOT.resolve("docs/broadcast.schema.json"))) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in);
        }
    }

    @Test
    void theShippedBroadcastFilesFollowTheSchemaAndReadWithoutProblems() throws Exception {
        Path journeys = ROOT.resolve("deploy/journeys");
        List<Path> files = BroadcastFile.files(journeys);
        assertThat(files).hasSizeGreaterThanOrEqualTo(2);
        JourneyDirectory.Loaded loaded = JourneyDirectory.load(journeys, new Conditions());
        BroadcastSpec.Context context =
                new BroadcastSpec.Context(new Conditions(), loaded.templates(), loaded.team(), 100_000);
        for (Path file : files) {
            JsonNode yaml = new YAMLMapper().readTree(file.toFile());
            assertThat(schema().validate(yaml)).as(file.toString()).isEmpty();
            assertThat(BroadcastFile.read(file, file.toString(), context).problems())
                    .as(file.toString())
                    .isEmpty();
        }
    }

    @Test
    void aWrongFieldFailsBoth() throws Exception {
        String yaml = Files.readString(ROOT.resolve("deploy/journeys/broadcasts/weekly-tips.yaml"))
                .replace("priority: marketing", "priority: loud");
        assertThat(schema().validate(new YAMLMapper().readTree(yaml))).isNotEmpty();
        JourneyDirectory.Loaded loaded = JourneyDirectory.load(ROOT.resolve("deploy/journeys"), new Conditions());
        assertThat(BroadcastFile.read(
                                yaml,
                                "weekly-tips.yaml",
                                new BroadcastSpec.Context(new Conditions(), loaded.templates(), loaded.team(), 100_000))
                        .problems())
                .isNotEmpty();
    }
}
