package dev.onramp.dispatch.inapp;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether an in-app message's action URL is safe to put behind a button. A template can build it from event data, so
 * the server checks it before the message is stored, whatever the widget does: an absolute URL of an allowed scheme
 * (http and https unless configured) with a host, or a path of the product's own site. Refused: {@code javascript:}
 * and {@code data:} URLs, protocol-relative {@code //host} and its browser spelling {@code /\host}, backslashes,
 * spaces and control characters anywhere.
 */
public final class ActionUrl {

    private ActionUrl() {}

    /** Why the URL is refused; empty when it is fine (or absent: a message need not have an action). */
    public static Optional<String> problem(String url, Collection<String> schemes) {
        if (url == null || url.isEmpty()) {
            return Optional.empty();
        }
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '\\' || Character.isWhitespace(c) || Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return Optional.of("the action url holds a backslash, a space or a control character");
            }
        }
        if (url.startsWith("/")) {
            return url.startsWith("//")
                    ? Optional.of("the action url starts with '//', which leaves the product's site")
                    : Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("the action url is not a URL");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null || !schemes.contains(scheme)) {
            return Optional.of("the action url's scheme is not one of " + String.join(", ", schemes)
                    + " (onramp.dispatch.inbox.action-schemes)");
        }
        if ((scheme.equals("http") || scheme.equals("https"))
                && (uri.getHost() == null || uri.getRawUserInfo() != null)) {
            return Optional.of("the action url has no host, or a user name in it");
        }
        return Optional.empty();
    }
}
