package dev.onramp.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * The local stack's secrets: made once, at random, in {@code <data>/secrets.properties} (readable by its owner only),
 * and the same at every start after, so links in emails already sent keep working. The services run in their
 * production profile, which refuses weak or published secrets.
 */
record StackSecrets(String writeKey, String adminToken, String inboxSecret, String linksSecret) {

    static StackSecrets loadOrCreate(Path data) {
        Path file = data.resolve("secrets.properties");
        Properties p = new Properties();
        try {
            if (Files.isRegularFile(file)) {
                try (Reader in = Files.newBufferedReader(file)) {
                    p.load(in);
                }
            }
            boolean changed = false;
            for (String name : new String[] {"write-key", "admin-token", "inbox-secret", "links-secret"}) {
                if (p.getProperty(name, "").isBlank()) {
                    p.setProperty(name, random());
                    changed = true;
                }
            }
            if (changed) {
                Files.createDirectories(data);
                if (!Files.exists(file)) {
                    Files.createFile(file);
                    try {
                        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                    } catch (UnsupportedOperationException notPosix) {
                        // Windows: the folder's permissions apply.
                    }
                }
                try (Writer out = Files.newBufferedWriter(file)) {
                    p.store(out, "Secrets of the local stack, made at random once; delete this file to make new ones");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
        return new StackSecrets(
                p.getProperty("write-key"),
                p.getProperty("admin-token"),
                p.getProperty("inbox-secret"),
                p.getProperty("links-secret"));
    }

    /** 32 random bytes, URL-safe base64: 43 characters. */
    private static String random() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
