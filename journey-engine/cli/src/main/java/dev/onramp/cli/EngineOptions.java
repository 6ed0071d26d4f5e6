package dev.onramp.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where journey-engine is and its admin token, for the commands that talk to a running engine. The token comes from
 * the environment ({@code ONRAMP_ADMIN_TOKEN}) or a file, never from the command line, which other users of the
 * machine can read.
 */
final class EngineOptions {

    @Option(
            names = "--engine",
            paramLabel = "URL",
            defaultValue = "${env:ONRAMP_ENGINE_URL:-http://127.0.0.1:8082}",
            description = "journey-engine's address (default: $ONRAMP_ENGINE_URL or ${DEFAULT-VALUE}).")
    String engine;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "A file holding journey-engine's admin token (instead of $ONRAMP_ADMIN_TOKEN).")
    Path tokenFile;

    /** The engine's address, without a trailing slash. */
    String url() {
        return engine.replaceAll("/+$", "");
    }

    /** The admin token; null (after saying how to give one) when there is none. */
    String token() throws IOException {
        String token = tokenFile != null ? Files.readString(tokenFile).strip() : System.getenv("ONRAMP_ADMIN_TOKEN");
        if (token == null || token.isBlank()) {
            System.err.println("Set ONRAMP_ADMIN_TOKEN to journey-engine's admin token, or give --token-file.");
            return null;
        }
        return token;
    }
}
