package dev.onramp.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk, the HTTP load generator, and reads its report. */
final class Wrk {

    /** What wrk measured. Latencies in milliseconds. */
    record Result(double requestsPerSecond, double p50, double p99, long requests, long errors) {}

    private Wrk() {}

    static Result run(String url, Path script, int connections, int seconds) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "wrk",
                "-t1",
                "-c" + connections,
                "-d" + seconds + "s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                script.toString(),
                url));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(seconds + 60L, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("wrk failed:\n" + output);
        }
        double rps = number(output, "Requests/sec:\\s+([0-9.]+)");
        double p50 = millis(output, "\\s50%\\s+([0-9.]+)(us|ms|s)");
        double p99 = millis(output, "\\s99%\\s+([0-9.]+)(us|ms|s)");
        long requests = (long) number(output, "([0-9]+) requests in");
        long errors = output.contains("Non-2xx") ? (long) number(output, "Non-2xx or 3xx responses: ([0-9]+)") : 0;
        Matcher socket = Pattern.compile(
                        "Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)")
                .matcher(output);
        if (socket.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(socket.group(g));
            }
        }
        return new Result(rps, p50, p99, requests, errors);
    }

    static Path script(String lua) throws IOException {
        Path file = Files.createTempFile("onramp-wrk", ".lua");
        Files.writeString(file, lua);
        file.toFile().deleteOnExit();
        return file;
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no '" + regex + "' in wrk's report:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    private static double millis(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no '" + regex + "' in wrk's report:\n" + text);
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }
}
