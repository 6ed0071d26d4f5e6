package dev.onramp.dispatch.template;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.templates.Channel;
import dev.onramp.templates.MessageTemplate;
import dev.onramp.templates.Rendered;
import dev.onramp.templates.TemplateException;
import dev.onramp.templates.TemplateProblem;
import dev.onramp.templates.TemplateSet;
import io.quarkus.qute.Engine;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The templates in use, from the templates folder ({@code docs/templates.md}): loaded at start and again whenever the
 * folder changes. A folder with any broken template is refused as a whole, and the last good one stays in use.
 */
@ApplicationScoped
public class Templates {

    private static final Logger LOG = Logger.getLogger(Templates.class);

    private final DispatchConfig config;
    private final Engine engine = TemplateSet.engine();
    private volatile TemplateSet current = TemplateSet.empty();
    private volatile List<TemplateProblem> problems = List.of();
    private volatile String fingerprint = "";

    Templates(DispatchConfig config) {
        this.config = config;
    }

    void onStart(@Observes @Priority(5) StartupEvent ignored) {
        reloadIfChanged();
    }

    @Scheduled(
            every = "${onramp.dispatch.reload-interval:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        reloadIfChanged();
    }

    /** Problems of the latest load; empty when it applied. */
    public List<TemplateProblem> problems() {
        return problems;
    }

    public int size() {
        return current.size();
    }

    public synchronized void reloadIfChanged() {
        Path dir = config.templatesDir();
        String now = fingerprint(dir);
        if (now.equals(fingerprint)) {
            return;
        }
        fingerprint = now;
        TemplateSet.Loaded loaded = TemplateSet.load(dir, engine, config.defaultLocale());
        if (!loaded.ok()) {
            problems = loaded.problems();
            LOG.errorf(
                    "the templates in %s have %d error(s); %s:%n%s",
                    dir,
                    problems.size(),
                    current.size() == 0
                            ? "no template can be rendered until they are fixed"
                            : "the last good version stays in use",
                    String.join(
                            "\n",
                            problems.stream().map(TemplateProblem::toString).toList()));
            return;
        }
        current = loaded.templates();
        problems = List.of();
        LOG.infof("loaded %d template(s) from %s", current.size(), dir);
    }

    /**
     * Renders a template for a user: the locale they have (or its language) if written, else the default.
     *
     * @param data what the template can use: user, context, links, journey, step, message
     */
    public Rendered render(String name, Channel channel, String locale, Map<String, Object> data)
            throws TemplateException {
        return current.render(name, channel, locale, data);
    }

    /**
     * Renders content a message carries itself (a broadcast's inline content, already in the user's locale). Compiled
     * once per distinct content: every recipient of a broadcast in one locale shares it.
     *
     * @param name what the rendered message is called: the broadcast's id
     */
    public Rendered renderInline(
            String name, Channel channel, String locale, Map<String, String> fields, Map<String, Object> data)
            throws TemplateException {
        InlineKey key = new InlineKey(name, channel, fields);
        MessageTemplate template = inline.get(key);
        if (template == null) {
            TemplateSet.Inline compiled =
                    TemplateSet.inline(engine, name, channel, locale, fields, "content/" + channel);
            if (!compiled.ok()) {
                throw new TemplateException("its " + channel + " content cannot be rendered: "
                        + compiled.problems().getFirst());
            }
            template = compiled.template();
            if (inline.size() >= INLINE_CACHE) {
                inline.clear();
            }
            inline.put(key, template);
        }
        return TemplateSet.render(template, data);
    }

    private record InlineKey(String name, Channel channel, Map<String, String> fields) {}

    private static final int INLINE_CACHE = 512;
    private final Map<InlineKey, MessageTemplate> inline = new java.util.concurrent.ConcurrentHashMap<>();

    public boolean has(String name, Channel channel) {
        return current.has(name, channel);
    }

    private static String fingerprint(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "missing";
        }
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            files.sorted().forEach(f -> {
                try {
                    out.append(f)
                            .append(':')
                            .append(Files.size(f))
                            .append(':')
                            .append(Files.getLastModifiedTime(f).toMillis())
                            .append(';');
                } catch (IOException e) {
                    out.append(f).append(":?;");
                }
            });
        } catch (IOException e) {
            return "unreadable";
        }
        return out.toString();
    }
}
