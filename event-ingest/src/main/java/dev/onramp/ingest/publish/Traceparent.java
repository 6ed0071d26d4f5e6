package dev.onramp.ingest.publish;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** W3C Trace Context: passes a caller's {@code traceparent} on, or starts a trace. */
public final class Traceparent {

    private static final Pattern VALID = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private Traceparent() {}

    public static String continueOrStart(String header) {
        if (header != null
                && VALID.matcher(header).matches()
                && !header.startsWith("00-00000000000000000000000000000000")) {
            return header;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        HexFormat hex = HexFormat.of();
        return "00-" + hex.toHexDigits(random.nextLong()) + hex.toHexDigits(random.nextLong()) + "-"
                + hex.toHexDigits(random.nextLong()) + "-01";
    }
}
