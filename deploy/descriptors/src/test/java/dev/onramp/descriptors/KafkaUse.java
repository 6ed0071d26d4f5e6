package dev.onramp.descriptors;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The topics and consumer groups a service uses with its default settings: read from its application.properties
 * (SmallRye Reactive Messaging channels, {@code ${name:default}} expressions resolved), plus what its code writes
 * outside the channels. Dead letters go to {@code <topic>.dlq} of every topic a service reads or writes: a record
 * that cannot be processed, and a record Kafka refuses from the outbox, are parked there (Batch, Outbox, OutboxRelay).
 */
record KafkaUse(Set<String> reads, Set<String> groups, Set<String> writes) {

    private static final Pattern CHANNEL =
            Pattern.compile("mp\\.messaging\\.(incoming|outgoing)\\.([^.]+)\\.(topic|topics|group\\.id)");
    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^:}]+)(?::([^}]*))?}");

    KafkaUse {
        reads = Set.copyOf(reads);
        groups = Set.copyOf(groups);
        writes = Set.copyOf(writes);
    }

    /** A service whose Kafka traffic is its SmallRye channels; {@code extraWrites} are written by other code. */
    static KafkaUse ofChannels(Path applicationProperties, Set<String> extraWrites) {
        Properties p = load(applicationProperties);
        Set<String> reads = new TreeSet<>();
        Set<String> groups = new TreeSet<>();
        Set<String> writes = new TreeSet<>(extraWrites);
        for (String name : p.stringPropertyNames()) {
            Matcher channel = CHANNEL.matcher(name);
            if (!channel.matches() || name.startsWith("%")) {
                continue;
            }
            String value = resolve(p.getProperty(name), p);
            boolean incoming = channel.group(1).equals("incoming");
            if (channel.group(3).equals("group.id")) {
                groups.add(value);
            } else {
                for (String topic : value.split(",")) {
                    (incoming ? reads : writes).add(topic.trim());
                }
            }
        }
        Set<String> deadLetters = new TreeSet<>();
        reads.forEach(t -> deadLetters.add(t + ".dlq"));
        writes.forEach(t -> deadLetters.add(t + ".dlq"));
        writes.addAll(deadLetters);
        return new KafkaUse(reads, groups, writes);
    }

    /** event-ingest writes with its own producer, to the topic its {@code @ConfigMapping} defaults to. */
    static KafkaUse ofIngest(Path ingestConfig) {
        try {
            Matcher topic = Pattern.compile("@WithDefault\\(\"([^\"]+)\"\\)\\s*String topic\\(\\);")
                    .matcher(Files.readString(ingestConfig));
            if (!topic.find()) {
                throw new AssertionError(ingestConfig + " no longer declares `@WithDefault(...) String topic();`: "
                        + "update this test to find event-ingest's topic");
            }
            return new KafkaUse(Set.of(), Set.of(), Set.of(topic.group(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return p;
    }

    static String resolve(String value, Properties p) {
        Matcher m = EXPRESSION.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String set = p.getProperty(m.group(1));
            String replacement = set != null ? resolve(set, p) : m.group(2) == null ? "" : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
