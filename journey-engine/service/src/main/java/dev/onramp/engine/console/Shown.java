package dev.onramp.engine.console;

import io.quarkus.qute.TemplateExtension;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How the console's pages show values: an instant to the second, in UTC ({@code {at.shown}}). */
@TemplateExtension
final class Shown {

    private static final DateTimeFormatter SECOND =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private Shown() {}

    static String shown(Instant at) {
        return at == null ? "" : SECOND.format(at);
    }
}
