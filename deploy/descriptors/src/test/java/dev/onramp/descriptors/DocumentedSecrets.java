package dev.onramp.descriptors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Secrets an operator is told to create, read from the {@code kubectl create secret generic} commands of
 * docs/deploy.md (continued lines joined), with the keys each command gives; and the whole text, where the keys only
 * used while rotating ({@code ...-previous}) are named.
 */
record DocumentedSecrets(Map<String, Set<String>> keysBySecret, String text) {

    private static final Pattern CREATE = Pattern.compile(
            "kubectl\\s+(?:(?:-n|--namespace)[ =]\\S+\\s+)?create\\s+secret\\s+generic\\s+([a-z0-9.-]+)(.*)");
    private static final Pattern KEY = Pattern.compile("--from-(?:literal|file)=([A-Za-z0-9._-]+)=");

    static DocumentedSecrets read(Path doc) {
        try {
            return parse(Files.readString(doc));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + doc, e);
        }
    }

    static DocumentedSecrets parse(String markdown) {
        Map<String, Set<String>> secrets = new LinkedHashMap<>();
        for (String command : markdown.replace("\\\n", " ").split("\n")) {
            Matcher create = CREATE.matcher(command);
            if (create.find()) {
                Set<String> keys = secrets.computeIfAbsent(create.group(1), n -> new LinkedHashSet<>());
                Matcher key = KEY.matcher(create.group(2));
                while (key.find()) {
                    keys.add(key.group(1));
                }
            }
        }
        return new DocumentedSecrets(Map.copyOf(secrets), markdown);
    }

    boolean mentions(String key) {
        return text.contains("`" + key + "`");
    }
}
