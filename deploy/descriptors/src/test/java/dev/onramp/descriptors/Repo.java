package dev.onramp.descriptors;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository the kit belongs to: its files are what these tests read. */
final class Repo {

    private Repo() {}

    /** The repository's root: {@code onramp.root} (set by the build), else the nearest folder up with the wrapper. */
    static Path root() {
        String configured = System.getProperty("onramp.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("deploy"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository's root: set -Donramp.root=<dir>");
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }
}
