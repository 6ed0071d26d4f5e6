package dev.onramp.journey.load;

import dev.onramp.journey.model.Channel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The message templates beside the journeys: files named {@code <template>.<channel>[.<locale>].<ext>} in a
 * {@code templates} folder, for example {@code create-channel.in_app.txt} or {@code invite-teammate.email.fr.html}.
 * The engine only checks that a journey's templates exist; message-dispatch renders them.
 */
public final class TemplateCatalog {

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
                files.filter(Files::isRegularFile).forEach(file -> {
                    String[] parts = file.getFileName().toString().split("\\.");
                    if (parts.length >= 3) {
                        Channel.of(parts[1])
                                .ifPresent(channel -> channels.computeIfAbsent(parts[0], k -> new TreeSet<>())
                                        .add(channel));
                    }
                });
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
