package dev.onramp.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 made with the JDK's keytool, in the forms servers and clients take it: a
 * PKCS#12 key store (Kafka), the certificate and its private key as PEM files (PostgreSQL; clients trust the
 * certificate's PEM as their CA), so that tests run TLS exactly as production configures it.
 */
public record SelfSignedCertificate(Path keyStore, String keyStorePassword, Path certificatePem, Path privateKeyPem) {

    /** Makes the files in {@code dir} (created if missing). */
    public static SelfSignedCertificate create(Path dir) {
        try {
            Files.createDirectories(dir);
            Path keyStore = dir.resolve("server.p12");
            String password = "tls-" + UUID.randomUUID();
            Files.deleteIfExists(keyStore);
            String keytool =
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            exec(List.of(
                    keytool,
                    "-genkeypair",
                    "-alias",
                    "server",
                    "-keyalg",
                    "RSA",
                    "-keysize",
                    "2048",
                    "-dname",
                    "CN=127.0.0.1",
                    "-ext",
                    "SAN=ip:127.0.0.1,dns:localhost",
                    "-validity",
                    "7",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    keyStore.toString(),
                    "-storepass",
                    password));
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                store.load(in, password.toCharArray());
            }
            Path certificate = dir.resolve("server.crt");
            Path key = dir.resolve("server.key");
            Files.writeString(
                    certificate,
                    pem("CERTIFICATE", store.getCertificate("server").getEncoded()),
                    StandardCharsets.US_ASCII);
            Files.deleteIfExists(key);
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(
                    key,
                    pem(
                            "PRIVATE KEY",
                            store.getKey("server", password.toCharArray()).getEncoded()),
                    StandardCharsets.US_ASCII);
            return new SelfSignedCertificate(keyStore, password, certificate, key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a certificate in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the certificate made in " + dir, e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void exec(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making a certificate", e);
        }
    }
}
