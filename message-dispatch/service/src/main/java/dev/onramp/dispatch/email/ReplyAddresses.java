package dev.onramp.dispatch.email;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.preferences.Links;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The signed reply address of one email, and the message an address names: {@code <message id>.<tag>@<reply domain>},
 * the tag 16 hex digits of HMAC-SHA256 over the message id with the links secret (docs/conversations.md). Only a
 * message id that fits an address's local part (lowercase letters, digits and dashes, at most 44 characters — every
 * id Onramp makes) has one; a reply to any other message goes where the reply-to settings say.
 */
@ApplicationScoped
public class ReplyAddresses {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,43}");
    private static final Pattern LOCAL = Pattern.compile("([a-z0-9][a-z0-9-]{0,43})\\.([0-9a-f]{16})");

    private final Links links;
    private final Optional<String> domain;

    ReplyAddresses(DispatchConfig config, Links links) {
        this.links = links;
        this.domain = config.email()
                .replyDomain()
                .map(d -> d.strip().toLowerCase(Locale.ROOT))
                .filter(d -> !d.isEmpty());
    }

    /** Whether replies come back to Onramp at all. */
    public boolean enabled() {
        return domain.isPresent();
    }

    /** The reply address of this message; empty when no reply domain is set or the id does not fit. */
    public Optional<String> of(String messageId) {
        if (domain.isEmpty() || !ID.matcher(messageId).matches()) {
            return Optional.empty();
        }
        return Optional.of(messageId + "." + links.replyTag(messageId) + "@" + domain.get());
    }

    /** What an address says of itself. */
    public sealed interface Named {}

    /** A reply address of ours, correctly signed: the message it answers. */
    public record Message(String messageId) implements Named {}

    /** An address at the reply domain whose tag is wrong: forged, or mangled on the way. */
    public record Forged(String address) implements Named {}

    /** Not an address at the reply domain. */
    public record Other() implements Named {}

    public Named named(String address) {
        if (domain.isEmpty() || address == null) {
            return new Other();
        }
        String a = address.strip().toLowerCase(Locale.ROOT);
        int at = a.lastIndexOf('@');
        if (at < 1 || !a.substring(at + 1).equals(domain.get())) {
            return new Other();
        }
        Matcher local = LOCAL.matcher(a.substring(0, at));
        if (!local.matches() || !links.replyTagValid(local.group(1), local.group(2))) {
            return new Forged(address);
        }
        return new Message(local.group(1));
    }
}
