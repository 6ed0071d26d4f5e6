package dev.onramp.cli;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyDirectory;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.MessageSpec;
import dev.onramp.journey.model.Step;
import dev.onramp.journey.model.Teammate;
import dev.onramp.templates.MessageTemplate;
import dev.onramp.templates.Rendered;
import dev.onramp.templates.TemplateData;
import dev.onramp.templates.TemplateException;
import dev.onramp.templates.TemplateSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "preview",
        mixinStandardHelpOptions = true,
        description = {
            "Renders a step's messages for a sample user into files.",
            "Its nudge and reminders, in every channel they may use and every locale written: HTML for email and",
            "in-app, text for SMS."
        })
final class PreviewCommand implements Callable<Integer> {

    @picocli.CommandLine.Parameters(paramLabel = "DIR", description = "The journeys folder.")
    Path directory;

    @Option(names = "--journey", required = true, description = "The journey's id.")
    String journeyId;

    @Option(names = "--step", required = true, description = "The step's id.")
    String stepId;

    @Option(names = "--user", paramLabel = "ID", defaultValue = "preview-user", description = "The sample user's id.")
    String userId;

    @Option(
            names = "--trait",
            paramLabel = "NAME=VALUE",
            description = "A trait of the sample user, such as firstName=Ada. Repeatable.")
    Map<String, String> traits = new LinkedHashMap<>();

    @Option(
            names = "--context",
            paramLabel = "NAME=VALUE",
            description = "A property of the enrolling event. Repeatable.")
    Map<String, String> context = new LinkedHashMap<>();

    @Option(names = "--app-url", defaultValue = "https://app.example.com", description = "links.app in templates.")
    String appUrl;

    @Option(names = "--templates", paramLabel = "DIR", description = "The templates folder (default: DIR/templates).")
    Path templates;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            defaultValue = "onramp-preview",
            description = "Where to write the files.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path templatesDir = templates != null ? templates : directory.resolve("templates");
        JourneyDirectory.Loaded journeys = JourneyDirectory.load(directory, templatesDir, new Conditions());
        TemplateSet.Loaded loaded = TemplateSet.load(templatesDir, TemplateSet.engine(), "en");
        if (journeys.hasErrors() || !loaded.ok()) {
            journeys.errors().forEach(System.err::println);
            loaded.problems().forEach(System.err::println);
            System.err.println("fix these first: onramp validate " + directory);
            return 1;
        }
        Journey journey = journeys.journeys().get(journeyId).orElse(null);
        if (journey == null) {
            System.err.println("there is no journey '" + journeyId + "'; there are: "
                    + String.join(
                            ", ",
                            journeys.journeys().all().stream().map(Journey::id).toList()));
            return 2;
        }
        Step step = journey.step(stepId).orElse(null);
        if (step == null) {
            System.err.println("journey '" + journeyId + "' has no step '" + stepId + "'; it has: "
                    + String.join(", ", journey.steps().stream().map(Step::id).toList()));
            return 2;
        }
        if (step.messages().isEmpty()) {
            System.err.println("step '" + stepId + "' sends no message");
            return 0;
        }
        Files.createDirectories(out);
        Map<String, Object> sampleTraits = new LinkedHashMap<>(traits);
        List<String> written = new ArrayList<>();
        int failures = 0;
        for (int ordinal = 0; ordinal < step.messages().size(); ordinal++) {
            MessageSpec message = step.messages().get(ordinal);
            for (Channel channel : message.channels()) {
                dev.onramp.templates.Channel templateChannel =
                        dev.onramp.templates.Channel.of(channel.wireName()).orElseThrow();
                for (MessageTemplate version : loaded.templates().versions(message.template())) {
                    if (version.channel() != templateChannel) {
                        continue;
                    }
                    String name = journey.id() + "." + step.id() + "." + message.kind() + ordinal + "." + channel
                            + (version.locale() == null ? "" : "." + version.locale());
                    Map<String, Object> data = TemplateData.of(
                            userId,
                            sampleTraits,
                            new LinkedHashMap<>(context),
                            journey.id(),
                            step.id(),
                            "preview-" + name,
                            templateChannel,
                            Map.of("app", appUrl),
                            step.sender().map(Teammate::templateData).orElse(Map.of()));
                    try {
                        Rendered rendered = TemplateSet.render(version, data);
                        Path file = out.resolve(
                                name + (channel == Channel.SMS || channel == Channel.WEBHOOK ? ".txt" : ".html"));
                        Files.writeString(file, page(channel, message, rendered, version));
                        written.add(file.toString());
                    } catch (TemplateException e) {
                        System.err.println(version.file() + ": " + e.getMessage());
                        failures++;
                    }
                }
            }
        }
        written.forEach(System.out::println);
        System.err.println(written.size() + " preview(s) in " + out
                + (failures == 0 ? "" : "; " + failures + " could not be rendered"));
        return failures == 0 ? 0 : 1;
    }

    private static String page(Channel channel, MessageSpec message, Rendered m, MessageTemplate version) {
        String about = message.kind() + " by " + channel + ", "
                + dev.onramp.journey.model.Durations.format(message.after()) + " after "
                + (message.kind() == dev.onramp.journey.model.MessageKind.NUDGE
                        ? "the step became next"
                        : "the previous message")
                + " — " + version.file();
        return switch (channel) {
            case EMAIL ->
                html(
                        m.header("subject"),
                        "<p class=\"about\">" + escape(about) + "</p><table><tr><th>Subject</th><td>"
                                + escape(m.header("subject"))
                                + "</td></tr></table><h2>HTML part</h2><div class=\"mail\">" + m.body()
                                + "</div><h2>Text part</h2><pre>" + escape(m.text()) + "</pre>");
            case IN_APP ->
                html(
                        m.header("title"),
                        "<p class=\"about\">" + escape(about) + "</p><div class=\"card\"><b>"
                                + escape(m.header("title"))
                                + "</b><p>" + escape(m.body()) + "</p>"
                                + (m.header("action") == null
                                        ? ""
                                        : "<a href=\"" + escape(m.header("url")) + "\">" + escape(m.header("action"))
                                                + "</a>")
                                + "</div>");
            case SMS, WEBHOOK -> m.body() + "\n";
        };
    }

    private static String html(String title, String body) {
        return "<!doctype html><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title><style>body{font:15px system-ui;margin:2em;"
                + "max-width:44em}.about{color:#666}.mail{border:1px solid #ccc;padding:1em}pre{white-space:pre-wrap;background:#f6f6f6;"
                + "padding:1em}.card{border:1px solid #ddd;border-radius:8px;padding:1em;box-shadow:0 2px 6px #0002}</style>"
                + body;
    }

    private static String escape(String text) {
        return text == null
                ? ""
                : text.replace("&", "&amp;")
                        .replace("<", "&lt;")
                        .replace(">", "&gt;")
                        .replace("\"", "&quot;");
    }
}
