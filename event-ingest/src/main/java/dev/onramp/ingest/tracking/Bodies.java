package dev.onramp.ingest.tracking;

import dev.onramp.ingest.Refusals;
import dev.onramp.pipeline.problem.Problem;
import dev.onramp.pipeline.problem.ProblemException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Request bodies as sent: plain, or compressed with {@code Content-Encoding: gzip} (what SDKs use) or
 * {@code deflate}. Decompression stops at the size limit, so a small "zip bomb" cannot fill memory, and a body
 * that does not decompress is a 400, not a broken connection.
 */
final class Bodies {

    private Bodies() {}

    /** The body, decompressed when it is, and at most {@code limit} bytes either way (413 otherwise). */
    static byte[] decode(byte[] body, String encoding, int limit, String what) {
        String name = encoding == null ? "" : encoding.trim().toLowerCase(Locale.ROOT);
        if (body == null || name.isEmpty() || name.equals("identity")) {
            if (body != null && body.length > limit) {
                throw Refusals.tooLarge(what + " may be at most " + limit + " bytes; this one is " + body.length + ".");
            }
            return body;
        }
        try (InputStream in =
                switch (name) {
                    case "gzip", "x-gzip" -> new GZIPInputStream(new ByteArrayInputStream(body));
                    case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(body));
                    default ->
                        throw new ProblemException(Problem.of(
                                415,
                                "unsupported-encoding",
                                "Unsupported content encoding",
                                "Content-Encoding '" + encoding
                                        + "' is not supported: send the body as is, gzip or deflate.",
                                null));
                }) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(body.length * 4, limit + 1));
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) > 0) {
                out.write(buffer, 0, read);
                if (out.size() > limit) {
                    throw Refusals.tooLarge(
                            what + " may be at most " + limit + " bytes once decompressed; this one is more.");
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw Refusals.malformed("The body is not valid " + name + " data: " + e.getMessage());
        }
    }
}
