package dev.onramp.pipeline;

import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Personal data and secrets out of text that leaves the service — log lines, and outcome details that travel to other
 * services and back to callers: email addresses keep only their domain, phone numbers their last two digits,
 * credentials in URLs and token-like query parameters are dropped, and long random-looking strings (tokens, keys,
 * signatures) become {@code [token]}. Ids stay: a message id or a user id is what an operator searches by. A service turns it
 * on for its log with {@code quarkus.log.console.filter=redact}.
 */
@LoggingFilter(name = "redact")
public final class Redaction implements Filter {

    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+\\-]+@((?:[A-Za-z0-9\\-]+\\.)+[A-Za-z]{2,})");
    private static final Pattern PHONE = Pattern.compile("\\+\\d{5,13}(\\d{2})\\b");
    private static final Pattern URL_CREDENTIALS =
            Pattern.compile("(?i)\\b([a-z][a-z0-9+.\\-]*://)[^/\\s:@]+(?::[^/\\s@]*)?@");
    private static final Pattern SECRET_PARAMETER = Pattern.compile(
            "(?i)([?&;](?:token|access_token|api_key|apikey|key|secret|signature|sig|password|pwd|auth|code)=)[^&\\s\"'<>]+");
    /** 32 or more characters of base64 or hex. */
    private static final Pattern TOKEN = Pattern.compile("(?<![A-Za-z0-9_\\-+/])[A-Za-z0-9_\\-+/]{32,}={0,2}");
    /** Ids such as {@code user-<uuid>} look long and random too, but stay readable. */
    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** The text with personal data and secrets taken out; null stays null. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = URL_CREDENTIALS.matcher(text).replaceAll("$1[credentials]@");
        out = SECRET_PARAMETER.matcher(out).replaceAll("$1[redacted]");
        out = EMAIL.matcher(out).replaceAll("[email]@$1");
        out = PHONE.matcher(out).replaceAll("+[phone]$1");
        out = TOKEN.matcher(out)
                .replaceAll(m -> UUID.matcher(m.group()).find() ? Matcher.quoteReplacement(m.group()) : "[token]");
        return out;
    }

    /** Rewrites each log record's message, redacted; never drops one. */
    @Override
    public boolean isLoggable(LogRecord record) {
        if (record instanceof ExtLogRecord ext) {
            String formatted = ext.getFormattedMessage();
            String redacted = redact(formatted);
            if (redacted != null && !redacted.equals(formatted)) {
                ext.setMessage(redacted, ExtLogRecord.FormatStyle.NO_FORMAT);
                ext.setParameters(null);
            }
        }
        return true;
    }
}
