package dev.onramp.templates;

import io.quarkus.qute.Engine;
import io.quarkus.qute.Expression;
import io.quarkus.qute.HtmlEscaper;
import io.quarkus.qute.Template;
import io.quarkus.qute.Variant;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of message templates, loaded and ready to render: one file per template, channel and locale,
 * {@code <name>.<channel>[.<locale>].<txt|html|json>}. A file starts with header fields ({@code subject: ...} for email;
 * {@code title:}, {@code action:}, {@code url:} for in-app), then a blank line, then the body. Everything is Qute;
 * HTML is escaped in HTML templates. message-dispatch renders with this; the preview tool too.
 */
public final class TemplateSet {

    private static final Pattern FILE = Pattern.compile(
            "([a-z0-9][a-z0-9_-]*)\\.(in_app|email|sms|webhook)(?:\\.([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?))?\\.(txt|html|json)");
    private static final Pattern HEADER = Pattern.compile("([a-z_-]+):[ \\t]*(.*)");

    /**
     * The template and channel a file's name says; empty when it is not a template's name. journey-engine's
     * {@code TemplateCatalog} reads names by the same rule ({@code TemplateFileNamesTest} in the CLI).
     */
    public static Optional<Map.Entry<String, Channel>> fileName(String name) {
        Matcher m = FILE.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Channel.of(m.group(2)).map(channel -> Map.entry(m.group(1), channel));
    }

    private static final Map<Channel, Set<String>> HEADERS = Map.of(
            Channel.EMAIL, Set.of("subject", "preheader", "from_name", "reply_to"),
            Channel.IN_APP, Set.of("title", "action", "url"),
            Channel.SMS, Set.of(),
            Channel.WEBHOOK, Set.of("url"));
    private static final Map<Channel, Set<String>> REQUIRED = Map.of(
            Channel.EMAIL,
            Set.of("subject"),
            Channel.IN_APP,
            Set.of("title"),
            Channel.SMS,
            Set.of(),
            Channel.WEBHOOK,
            Set.of());
    /** What a template can use: {@code {user.traits.firstName}}, {@code {context.plan}}, {@code {links.app}}... */
    public static final Set<String> ROOTS = Set.of("user", "context", "links", "journey", "step", "message", "sender");

    private final Map<String, Map<Channel, Map<String, MessageTemplate>>> catalog;
    private final String defaultLocale;

    private TemplateSet(Map<String, Map<Channel, Map<String, MessageTemplate>>> catalog, String defaultLocale) {
        this.catalog = catalog;
        this.defaultLocale = defaultLocale;
    }

    /** The Qute engine templates are rendered with: strict (a missing value is an error), HTML escaped in HTML. */
    public static Engine engine() {
        return Engine.builder()
                .addDefaults()
                .addResultMapper(new HtmlEscaper(List.of("text/html")))
                .addResultMapper(new io.quarkus.qute.JsonEscaper())
                .strictRendering(true)
                .build();
    }

    public static TemplateSet empty() {
        return new TemplateSet(Map.of(), "en");
    }

    /** What a folder holds: the templates, usable only without problems, and every problem found. */
    public record Loaded(TemplateSet templates, List<TemplateProblem> problems) {
        public Loaded {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    public static Loaded load(Path dir, Engine engine, String defaultLocale) {
        List<TemplateProblem> errors = new ArrayList<>();
        Map<String, Map<Channel, Map<String, MessageTemplate>>> loaded = new Loader(engine).load(dir, errors);
        return new Loaded(errors.isEmpty() ? new TemplateSet(loaded, defaultLocale) : empty(), errors);
    }

    public int size() {
        return catalog.size();
    }

    public Set<String> names() {
        return new TreeSet<>(catalog.keySet());
    }

    /** Every file of a template: each channel and locale. */
    public List<MessageTemplate> versions(String name) {
        List<MessageTemplate> all = new ArrayList<>();
        catalog.getOrDefault(name, Map.of()).values().forEach(locales -> all.addAll(locales.values()));
        all.sort(java.util.Comparator.comparing(MessageTemplate::file));
        return all;
    }

    /**
     * Renders the template for a user: the locale they have (or its language) if written, else the default.
     *
     * @param data what the template can use: user, context, links, journey, step, message
     */
    public Rendered render(String name, Channel channel, String locale, Map<String, Object> data)
            throws TemplateException {
        Map<Channel, Map<String, MessageTemplate>> channels = catalog.get(name);
        if (channels == null) {
            throw new TemplateException("there is no template '" + name + "'");
        }
        Map<String, MessageTemplate> locales = channels.get(channel);
        if (locales == null) {
            throw new TemplateException("template '" + name + "' has no " + channel + " version");
        }
        return render(pick(locales, locale), data);
    }

    /** Renders one given version of a template. */
    public static Rendered render(MessageTemplate template, Map<String, Object> data) throws TemplateException {
        String name = template.name();
        Channel channel = template.channel();
        try {
            Map<String, String> headers = new LinkedHashMap<>();
            for (var header : template.headers().entrySet()) {
                headers.put(
                        header.getKey(), header.getValue().data(data).render().strip());
            }
            String body = template.body().data(data).render();
            String text = null;
            if (channel == Channel.EMAIL) {
                text = template.text() != null ? template.text().data(data).render() : HtmlText.of(body);
            }
            return new Rendered(name, template.locale(), headers, body, text);
        } catch (io.quarkus.qute.TemplateException e) {
            throw new TemplateException("template '" + name + "' (" + template.file()
                    + ") cannot be rendered for this user: " + firstLine(e.getMessage()));
        }
    }

    public boolean has(String name, Channel channel) {
        return catalog.getOrDefault(name, Map.of()).containsKey(channel);
    }

    /** One channel's content written inline, compiled; or, when it cannot be, every problem found in it. */
    public record Inline(MessageTemplate template, List<TemplateProblem> problems) {
        public Inline {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** The fields a channel's inline content may have: its header fields, {@code body}, and an email's {@code text}. */
    public static Set<String> inlineFields(Channel channel) {
        Set<String> fields = new TreeSet<>(HEADERS.get(channel));
        fields.add("body");
        if (channel == Channel.EMAIL) {
            fields.add("text");
        }
        return fields;
    }

    /**
     * Compiles a message written inline rather than in a file (a broadcast's {@code content}): the same header fields,
     * the same rules and the same escaping as a template file of that channel. A problem's {@code file} is
     * {@code where} and the field ({@code /content/email/subject}); its line and column are within the field's value.
     *
     * @param fields header fields ({@code subject}, {@code title}...), {@code body}, and for email optionally {@code
     *     text}, the plain-text part
     * @param locale {@code null} for the default
     */
    public static Inline inline(
            Engine engine, String name, Channel channel, String locale, Map<String, String> fields, String where) {
        List<TemplateProblem> errors = new ArrayList<>();
        Set<String> allowed = inlineFields(channel);
        for (String field : fields.keySet()) {
            if (!allowed.contains(field)) {
                errors.add(new TemplateProblem(
                        where + "/" + field,
                        0,
                        0,
                        "is not a field of " + channel + " content; it has " + String.join(", ", allowed)));
            }
        }
        for (String required : REQUIRED.get(channel)) {
            if (fields.get(required) == null || fields.get(required).isBlank()) {
                errors.add(new TemplateProblem(where + "/" + required, 0, 0, channel + " content needs a " + required));
            }
        }
        String body = fields.get("body");
        if (body == null || body.isBlank()) {
            errors.add(new TemplateProblem(where + "/body", 0, 0, "the body is empty"));
        }
        if (!errors.isEmpty()) {
            return new Inline(null, errors);
        }
        String contentType =
                switch (channel) {
                    case EMAIL -> "text/html";
                    case WEBHOOK -> "application/json";
                    default -> "text/plain";
                };
        Variant variant =
                new Variant(locale == null ? Locale.ROOT : Locale.forLanguageTag(locale), contentType, "UTF-8");
        Variant plain = new Variant(variant.getLocale(), "text/plain", "UTF-8");
        Loader loader = new Loader(engine);
        Map<String, Template> headers = new LinkedHashMap<>();
        for (String header : HEADERS.get(channel)) {
            String value = fields.get(header);
            if (value != null) {
                Template t = loader.compile(Path.of(where + "/" + header), 0, 0, value.strip(), plain, errors);
                if (t != null) {
                    headers.put(header, t);
                }
            }
        }
        Template bodyTemplate = loader.compile(Path.of(where + "/body"), 0, 0, body.strip(), variant, errors);
        Template textTemplate = fields.get("text") == null
                ? null
                : loader.compile(
                        Path.of(where + "/text"), 0, 0, fields.get("text").strip(), plain, errors);
        if (!errors.isEmpty()) {
            return new Inline(null, errors);
        }
        return new Inline(
                new MessageTemplate(name, channel, locale, headers, bodyTemplate, textTemplate, where), errors);
    }

    private MessageTemplate pick(Map<String, MessageTemplate> locales, String locale) {
        if (locale != null && !locale.isBlank()) {
            String tag = locale.replace('_', '-');
            MessageTemplate exact = locales.get(tag);
            if (exact != null) {
                return exact;
            }
            String language = tag.split("-")[0].toLowerCase(Locale.ROOT);
            MessageTemplate lang = locales.get(language);
            if (lang != null) {
                return lang;
            }
        }
        MessageTemplate fallback = locales.get(null);
        if (fallback == null) {
            fallback = locales.get(defaultLocale);
        }
        return fallback != null ? fallback : locales.values().iterator().next();
    }

    /** Reads a folder into templates, collecting every problem. */
    private static final class Loader {
        private final Engine engine;

        Loader(Engine engine) {
            this.engine = engine;
        }

        Map<String, Map<Channel, Map<String, MessageTemplate>>> load(Path dir, List<TemplateProblem> errors) {
            Map<String, Map<Channel, Map<String, MessageTemplate>>> loaded = new HashMap<>();
            if (!Files.isDirectory(dir)) {
                errors.add(new TemplateProblem(dir.toString(), 0, 0, "is not a directory"));
                return loaded;
            }
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(Files::isRegularFile)
                        .filter(f -> !f.getFileName().toString().startsWith("."))
                        .sorted()
                        .toList();
            } catch (IOException e) {
                errors.add(new TemplateProblem(dir.toString(), 0, 0, "cannot be listed: " + e.getMessage()));
                return loaded;
            }
            Map<String, Path> textParts = new HashMap<>();
            List<Object[]> mains = new ArrayList<>();
            for (Path file : files) {
                Matcher m = FILE.matcher(file.getFileName().toString());
                if (!m.matches()) {
                    errors.add(new TemplateProblem(
                            file.toString(),
                            0,
                            0,
                            "not a template name: write <template>.<channel>[.<locale>].<txt|html|json>,"
                                    + " such as welcome.email.html or welcome.in_app.fr.txt"));
                    continue;
                }
                Channel channel = Channel.of(m.group(2)).orElseThrow();
                String locale = m.group(3) == null ? null : m.group(3).replace('_', '-');
                if (channel == Channel.EMAIL && m.group(4).equals("txt")) {
                    textParts.put(m.group(1) + "|" + locale, file);
                } else {
                    mains.add(new Object[] {file, m.group(1), channel, locale, m.group(4)});
                }
            }
            for (Object[] main : mains) {
                Path file = (Path) main[0];
                String name = (String) main[1];
                Channel channel = (Channel) main[2];
                String locale = (String) main[3];
                // A webhook's body is JSON whatever the file is called: values are JSON-escaped in it, so a trait
                // holding a quote cannot end a string and add fields of its own.
                String contentType = channel == Channel.WEBHOOK
                        ? "application/json"
                        : switch ((String) main[4]) {
                            case "html" -> "text/html";
                            case "json" -> "application/json";
                            default -> "text/plain";
                        };
                MessageTemplate template =
                        parse(file, name, channel, locale, contentType, textParts.remove(name + "|" + locale), errors);
                if (template != null) {
                    MessageTemplate previous = loaded.computeIfAbsent(name, k -> new HashMap<>())
                            .computeIfAbsent(channel, k -> new HashMap<>())
                            .put(locale, template);
                    if (previous != null) {
                        errors.add(new TemplateProblem(
                                file.toString(), 0, 0, previous.file() + " is the same template, channel and locale"));
                    }
                }
            }
            textParts
                    .values()
                    .forEach(file -> errors.add(new TemplateProblem(
                            file.toString(), 0, 0, "a plain-text email part needs its HTML template beside it")));
            return loaded;
        }

        MessageTemplate parse(
                Path file,
                String name,
                Channel channel,
                String locale,
                String contentType,
                Path textFile,
                List<TemplateProblem> errors) {
            String content;
            String text;
            try {
                content = Files.readString(file, StandardCharsets.UTF_8);
                text = textFile == null ? null : Files.readString(textFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                errors.add(new TemplateProblem(file.toString(), 0, 0, "cannot be read: " + e.getMessage()));
                return null;
            }
            String[] lines = content.split("\r?\n", -1);
            Map<String, String> headerText = new LinkedHashMap<>();
            Map<String, Integer> headerLine = new HashMap<>();
            Map<String, Integer> headerColumn = new HashMap<>();
            int bodyStart = 0;
            Set<String> allowed = HEADERS.get(channel);
            for (int i = 0; i < lines.length; i++) {
                Matcher m = HEADER.matcher(lines[i]);
                if (lines[i].isBlank() && !headerText.isEmpty()) {
                    bodyStart = i + 1;
                    break;
                }
                if (!m.matches() || !allowed.contains(m.group(1))) {
                    if (!headerText.isEmpty()) {
                        errors.add(new TemplateProblem(
                                file.toString(),
                                i + 1,
                                1,
                                "expected a header field (" + String.join(", ", allowed)
                                        + ") or a blank line before the body"));
                        return null;
                    }
                    break;
                }
                headerText.put(m.group(1), m.group(2));
                headerLine.put(m.group(1), i + 1);
                headerColumn.put(m.group(1), m.start(2));
            }
            for (String required : REQUIRED.get(channel)) {
                if (!headerText.containsKey(required)) {
                    errors.add(new TemplateProblem(
                            file.toString(),
                            1,
                            1,
                            (channel == Channel.EMAIL || channel == Channel.IN_APP ? "an " : "a ") + channel
                                    + " template starts with '" + required + ": ...' and a blank line"));
                }
            }
            while (bodyStart < lines.length && lines[bodyStart].isBlank()) {
                bodyStart++;
            }
            String body = String.join("\n", java.util.Arrays.copyOfRange(lines, bodyStart, lines.length))
                    .stripTrailing();
            if (body.isEmpty()) {
                errors.add(new TemplateProblem(file.toString(), bodyStart + 1, 1, "the body is empty"));
            }
            Variant variant =
                    new Variant(locale == null ? Locale.ROOT : Locale.forLanguageTag(locale), contentType, "UTF-8");
            Variant plain = new Variant(variant.getLocale(), "text/plain", "UTF-8");
            Map<String, Template> headers = new LinkedHashMap<>();
            int before = errors.size();
            headerText.forEach((key, value) -> {
                Template t = compile(file, headerLine.get(key) - 1, headerColumn.get(key), value, plain, errors);
                if (t != null) {
                    headers.put(key, t);
                }
            });
            Template bodyTemplate = compile(file, bodyStart, 0, body, variant, errors);
            Template textTemplate = text == null ? null : compile(textFile, 0, 0, text.strip(), plain, errors);
            if (errors.size() > before || bodyTemplate == null) {
                return null;
            }
            return new MessageTemplate(name, channel, locale, headers, bodyTemplate, textTemplate, file.toString());
        }

        /**
         * @param lineOffset lines of the file before {@code content}
         * @param columnOffset characters of its first line before {@code content}
         */
        Template compile(
                Path file,
                int lineOffset,
                int columnOffset,
                String content,
                Variant variant,
                List<TemplateProblem> errors) {
            Template template;
            try {
                template = engine.parse(content, variant);
            } catch (io.quarkus.qute.TemplateException e) {
                var origin = e.getOrigin();
                int line = origin == null ? 0 : origin.getLine() + lineOffset;
                int column = origin == null
                        ? 0
                        : origin.getLineCharacterStart() + (origin.getLine() == 1 ? columnOffset : 0);
                errors.add(new TemplateProblem(file.toString(), line, column, firstLine(e.getMessage())));
                return null;
            }
            for (Expression expression : template.getExpressions()) {
                if (expression.isLiteral()
                        || expression.hasNamespace()
                        || expression.getParts().isEmpty()) {
                    continue;
                }
                String root = expression.getParts().getFirst().getName();
                if (!ROOTS.contains(root) && !localNames(content).contains(root)) {
                    var origin = expression.getOrigin();
                    errors.add(new TemplateProblem(
                            file.toString(),
                            origin.getLine() + lineOffset,
                            origin.getLineCharacterStart() + (origin.getLine() == 1 ? columnOffset : 0),
                            "{"
                                    + expression.toOriginalString() + "} uses '" + root
                                    + "', which templates do not have; they have "
                                    + String.join(", ", ROOTS.stream().sorted().toList())));
                }
            }
            return template;
        }

        private static final Pattern LOCAL =
                Pattern.compile("\\{#(?:for|each)\\s+(\\w+)\\s+in\\b|\\{#let\\s+([^}]*)\\}");

        /** Names sections introduce, such as the {@code item} of {@code {#for item in ...}}: not roots. */
        private static Set<String> localNames(String content) {
            Set<String> names = new java.util.HashSet<>(Set.of("it", "item"));
            Matcher m = LOCAL.matcher(content);
            while (m.find()) {
                if (m.group(1) != null) {
                    names.add(m.group(1));
                } else {
                    for (String assignment : m.group(2).trim().split("\\s+")) {
                        names.add(assignment.split("=")[0]);
                    }
                }
            }
            return names;
        }
    }

    static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) : message;
    }
}
