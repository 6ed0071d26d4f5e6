package dev.onramp.descriptors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Renders a kustomization with {@code kubectl kustomize}, the same code {@code kubectl apply -k} runs, so what is
 * checked is what a cluster would receive.
 */
final class Kustomize {

    private Kustomize() {}

    static String render(Path dir) {
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).start();
        } catch (IOException e) {
            throw new AssertionError(
                    "kubectl is needed to render the Kubernetes kit (kubectl kustomize " + dir + ") and was not "
                            + "found on the PATH: install kubectl 1.27 or newer, whose built-in kustomize renders the "
                            + "kit (https://kubernetes.io/docs/tasks/tools/), and run the build again",
                    e);
        }
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> out = executor.submit(() -> process.getInputStream().readAllBytes());
            Future<byte[]> err = executor.submit(() -> process.getErrorStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + dir + " did not finish within 60 s");
            }
            String stdout = new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            String stderr = new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError(
                        "kubectl kustomize " + dir + " failed (exit " + process.exitValue() + "):\n" + stderr);
            }
            return stdout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while rendering " + dir, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot read the output of kubectl kustomize " + dir, e);
        }
    }
}
