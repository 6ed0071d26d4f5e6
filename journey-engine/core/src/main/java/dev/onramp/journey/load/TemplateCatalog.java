package dev.onramp.journey.load;

import dev.onramp.journey.model.Channel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The message templates beside the journeys: files named {@code <template>.<channel>[.<locale>].<ext>} in a
 * {@code templates} folder, for example {@code create-channel.in_app.txt} or {@code invite-teammate.email.fr.html}.
 * The engine only checks that a journey's templates exist; message-dispatch renders them.
 */
public final class TemplateCatalog {

    /**
     * A template file's name: {@code <template>.<channel>[.<locale>].<txt|html|json>}. message-dispatch's
     * {@code TemplateSet} reads names by the same rule; {@code TemplateFileNamesTest} (in the CLI, which has both)
     * holds them to it.
     */
    static final Pattern FILE = Pattern.compile(
            "([a-z0-9][a-z0-9_-]*)\\.(in_app|email|sms|webhook)(?:\\.([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?))?\\.(txt|html|json)");

    /** What a file name says: the template and its channel; empty when it is not a template's name. */
    public record FileName(String template, Channel channel) {}

    public static Optional<FileName> fileName(String name) {
        Matcher m = FILE.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Channel.of(m.group(2)).map(channel -> new FileName(m.group(1), channel));
    }

    private final Path directory;
    /** Template name → channels it has files for. */
    private final Map<String, Set<Channel>> channels;

    private TemplateCatalog(Path directory, Map<String, Set<Channel>> channels) {
        this.directory = directory;
        this.channels = channels;
    }

    /** Reads the file names in {@code directory}; a missing folder is an empty catalog. */
    public static TemplateCatalog scan(Path directory) {
        Map<String, Set<Channel>> channels = new TreeMap<>();
        if (Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                files.filter(Files::isRegularFile)
                        .forEach(file -> fileName(file.getFileName().toString())
                                .ifPresent(n -> channels.computeIfAbsent(n.template(), k -> new TreeSet<>())
                                        .add(n.channel())));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list templates in " + directory, e);
            }
        }
        return new TemplateCatalog(directory, channels);
    }

    public Path directory() {
        return directory;
    }

    public boolean has(String template, Channel channel) {
        return channels.getOrDefault(template, Set.of()).contains(channel);
    }

    public Set<String> names() {
        return channels.keySet();
    }

    public Set<Channel> channelsOf(String template) {
        return channels.getOrDefault(template, Set.of());
    }
}
