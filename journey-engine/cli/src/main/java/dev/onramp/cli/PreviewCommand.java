package dev.onramp.cli;

import dev.onramp.broadcast.BroadcastFile;
import dev.onramp.broadcast.BroadcastSpec;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyDirectory;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.MessageSpec;
import dev.onramp.journey.model.Step;
import dev.onramp.journey.model.Teammate;
import dev.onramp.journey.run.Broadcast;
import dev.onramp.journey.run.Broadcasting;
import dev.onramp.journey.run.EngineSettings;
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
            "Renders a step's messages, or a broadcast file, for a sample user into files.",
            "Its nudge and reminders (or the broadcast), in every channel they may use and every locale written: HTML",
            "for email and in-app, text for SMS. Previewing a broadcast never sends it."
        })
final class PreviewCommand implements Callable<Integer> {

    @picocli.CommandLine.Parameters(paramLabel = "DIR", description = "The journeys folder.")
    Path directory;

    @Option(names = "--journey", description = "The journey's id (with --step).")
    String journeyId;

    @Option(names = "--step", description = "The step's id.")
    String stepId;

    @Option(
            names = "--broadcast",
            paramLabel = "FILE",
            description = "A broadcast file (DIR/broadcasts/...), instead of --journey and --step.")
    Path broadcast;

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
        if (broadcast != null) {
            return broadcast(journeys, loaded);
        }
        if (journeyId == null || stepId == null) {
            System.err.println("give --journey and --step, or --broadcast FILE");
            return 2;
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
                        Files.writeString(file, page(channel, about(message, channel, version), rendered));
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

    /**
     * The broadcast file's message in each of its channels and locales, from its template or its inline content, for
     * the sample user.
     */
    private int broadcast(JourneyDirectory.Loaded journeys, TemplateSet.Loaded loaded) throws java.io.IOException {
        Conditions conditions = new Conditions();
        BroadcastFile.Read read =
                BroadcastFile.read(broadcast, broadcast.toString(), Validation.context(journeys, conditions));
        if (!read.ok()) {
            read.problems().forEach(System.err::println);
            System.err.println("fix these first: onramp validate " + directory);
            return 1;
        }
        BroadcastSpec spec = read.spec();
        String stem = broadcast.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        Files.createDirectories(out);
        List<String> written = new ArrayList<>();
        int failures = 0;
        for (Channel channel : spec.channels()) {
            dev.onramp.templates.Channel templateChannel =
                    dev.onramp.templates.Channel.of(channel.wireName()).orElseThrow();
            List<MessageTemplate> versions = new ArrayList<>();
            if (spec.template() != null) {
                loaded.templates().versions(spec.template()).stream()
                        .filter(v -> v.channel() == templateChannel)
                        .forEach(versions::add);
            } else if (spec.content().containsKey(channel)) {
                Broadcast.Content content = spec.content().get(channel);
                String where = "/content/" + channel.wireName();
                versions.add(TemplateSet.inline(
                                TemplateSet.engine(), spec.name(), templateChannel, null, content.fields(), where)
                        .template());
                content.locales()
                        .forEach((locale, fields) -> versions.add(TemplateSet.inline(
                                        TemplateSet.engine(),
                                        spec.name(),
                                        templateChannel,
                                        locale,
                                        fields,
                                        where + "/locales/" + locale)
                                .template()));
            }
            for (MessageTemplate version : versions) {
                String name =
                        "broadcast." + stem + "." + channel + (version.locale() == null ? "" : "." + version.locale());
                // As the engine writes it: the incident, and when the next update comes on the user's clock.
                Map<String, Object> broadcastContext = new LinkedHashMap<>(new Broadcasting(EngineSettings.defaults())
                        .templateContext(spec.toBroadcast("preview"), new LinkedHashMap<>(traits)));
                broadcastContext.putAll(context);
                Map<String, Object> data = TemplateData.of(
                        userId,
                        new LinkedHashMap<>(traits),
                        broadcastContext,
                        "broadcast",
                        stem,
                        "preview-" + name,
                        templateChannel,
                        Map.of("app", appUrl),
                        spec.sender() == null ? Map.of() : spec.sender().templateData());
                try {
                    Rendered rendered = TemplateSet.render(version, data);
                    Path file = out.resolve(
                            name + (channel == Channel.SMS || channel == Channel.WEBHOOK ? ".txt" : ".html"));
                    String about = "broadcast '" + spec.name() + "' by " + channel + ", "
                            + spec.priority().wireName() + ", "
                            + spec.category().wireName() + " — " + broadcast;
                    Files.writeString(file, page(channel, about, rendered));
                    written.add(file.toString());
                } catch (TemplateException e) {
                    System.err.println(broadcast + " (" + channel + "): " + e.getMessage());
                    failures++;
                }
            }
        }
        written.forEach(System.out::println);
        System.err.println(written.size() + " preview(s) in " + out
                + (failures == 0 ? "" : "; " + failures + " could not be rendered") + "; nothing was sent");
        return failures == 0 ? 0 : 1;
    }

    private static String about(MessageSpec message, Channel channel, MessageTemplate version) {
        return message.kind() + " by " + channel + ", "
                + dev.onramp.journey.model.Durations.format(message.after()) + " after "
                + (message.kind() == dev.onramp.journey.model.MessageKind.NUDGE
                        ? "the step became next"
                        : "the previous message")
                + " — " + version.file();
    }

    private static String page(Channel channel, String about, Rendered m) {
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
