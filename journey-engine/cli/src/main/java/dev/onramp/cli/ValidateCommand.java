package dev.onramp.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.journey.load.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Checks a journeys folder as the engine and message-dispatch would load it.",
            "Also: templates render for a user without traits; steps and messages that can never happen. Every problem as",
            "file:line:col: severity: message. Exit status 1 when there is an error, 0 otherwise (warnings included)."
        })
final class ValidateCommand implements Callable<Integer> {

    enum Format {
        TEXT,
        JSON
    }

    @Parameters(paramLabel = "DIR", description = "The journeys folder.")
    Path directory;

    @Option(names = "--templates", paramLabel = "DIR", description = "The templates folder (default: DIR/templates).")
    Path templates;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
    Format format;

    @Override
    public Integer call() throws Exception {
        List<Problem> problems =
                new Validation().run(directory, templates != null ? templates : directory.resolve("templates"));
        long errors = problems.stream().filter(Problem::isError).count();
        long warnings = problems.size() - errors;
        if (format == Format.JSON) {
            ObjectMapper json = new ObjectMapper();
            ArrayNode out = json.createArrayNode();
            for (Problem p : problems) {
                ObjectNode node = out.addObject();
                node.put("file", p.file());
                node.put("line", p.line());
                node.put("column", p.column());
                node.put("severity", p.severity().label());
                node.put("message", p.message());
            }
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        } else {
            problems.forEach(System.out::println);
            System.err.println(directory + ": " + errors + " error(s), " + warnings + " warning(s)");
        }
        return errors > 0 ? 1 : 0;
    }
}
