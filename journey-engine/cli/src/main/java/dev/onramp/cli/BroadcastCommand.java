package dev.onramp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.broadcast.BroadcastFile;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code onramp broadcast send FILE}: the one way a broadcast file is sent. */
@Command(
        name = "broadcast",
        mixinStandardHelpOptions = true,
        description = "Broadcast files (the journeys folder's broadcasts/): send one, explicitly.",
        subcommands = {BroadcastCommand.Send.class})
final class BroadcastCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "send",
            mixinStandardHelpOptions = true,
            description = {
                "Checks a broadcast file as onramp validate does, then sends it to journey-engine (kind: incident opens",
                "an incident with it as the first notice).",
                "Idempotent: the Idempotency-Key is a digest of what the file says, so sending it again (reformatted,",
                "its comments changed) answers the first broadcast and creates nothing; a changed message or audience",
                "is another broadcast. The admin token comes from $ONRAMP_ADMIN_TOKEN or --token-file."
            })
    static final class Send implements Callable<Integer> {

        @Parameters(paramLabel = "FILE", description = "The broadcast file, such as journeys/broadcasts/outage.yaml.")
        Path file;

        @Option(
                names = "--journeys",
                paramLabel = "DIR",
                description = "The journeys folder whose templates and team it uses (default: the folder above"
                        + " broadcasts/).")
        Path journeys;

        @picocli.CommandLine.Mixin
        EngineOptions engine;

        @Option(names = "--dry-run", description = "Check it and print the request and its key; send nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            Path folder = journeys != null ? journeys : folderOf(file);
            JourneyDirectory.Loaded loaded = JourneyDirectory.load(folder, new Conditions());
            BroadcastFile.Read read =
                    BroadcastFile.read(file, file.toString(), Validation.context(loaded, new Conditions()));
            if (!read.ok()) {
                read.problems().forEach(System.out::println);
                System.err.println(file + ": not sent; " + read.problems().size() + " problem(s)");
                return 1;
            }
            ObjectMapper json = new ObjectMapper();
            String body = json.writeValueAsString(read.body());
            String key = BroadcastFile.idempotencyKey(read.kind(), read.body());
            if (dryRun) {
                System.out.println("POST " + read.kind().path());
                System.out.println("Idempotency-Key: " + key);
                System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(read.body()));
                System.err.println(file + ": ok, not sent (--dry-run)");
                return 0;
            }
            String token = engine.token();
            if (token == null) {
                return 2;
            }
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();
            HttpResponse<String> sent;
            try {
                sent = http.send(
                        HttpRequest.newBuilder(
                                        URI.create(engine.url() + read.kind().path()))
                                .timeout(Duration.ofSeconds(60))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .header("Idempotency-Key", key)
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                System.err.println("journey-engine at " + engine.url() + " did not answer: " + e.getMessage()
                        + "; sending the file again is safe");
                return 1;
            }
            if (sent.statusCode() != 201 && sent.statusCode() != 200) {
                System.err.println("journey-engine refused it (" + sent.statusCode() + "): " + sent.body());
                return 1;
            }
            JsonNode answer = json.readTree(sent.body());
            boolean replayed = sent.headers()
                    .firstValue("Idempotent-Replayed")
                    .map("true"::equalsIgnoreCase)
                    .orElse(false);
            String id = answer.path("id").asText();
            System.out.println((replayed ? "Already sent, as " : "Sending, as ")
                    + read.kind().wireName() + " " + id
                    + (answer.has("state") ? " (" + answer.path("state").asText() + ")" : ""));
            System.out.println("Follow it: GET " + engine.url() + read.kind().path() + "/" + id);
            return 0;
        }

        /** {@code DIR/broadcasts/FILE} belongs to {@code DIR}. */
        private static Path folderOf(Path file) {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null
                    && parent.getFileName() != null
                    && parent.getFileName().toString().equals(BroadcastFile.FOLDER)
                    && parent.getParent() != null) {
                return parent.getParent();
            }
            return parent;
        }
    }
}
