package dev.onramp.dispatch.delivery;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.inapp.ActionUrl;
import dev.onramp.dispatch.ledger.DeliveryRequest;
import dev.onramp.dispatch.preferences.Html;
import dev.onramp.dispatch.preferences.Links;
import dev.onramp.dispatch.preferences.Preferences;
import dev.onramp.dispatch.send.PhoneNumbers;
import dev.onramp.dispatch.template.Templates;
import dev.onramp.templates.Channel;
import dev.onramp.templates.Rendered;
import dev.onramp.templates.TemplateData;
import dev.onramp.templates.TemplateException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses how a delivery goes on: tries the request's channels in order from where it stands and returns the first
 * that can carry it — rendered, addressed, not blocked — or that none can, with why each was passed over.
 */
@ApplicationScoped
public class Routing {

    /** A channel passed over, and why; {@code suppressed} when the user or the address blocks it. */
    /**
     * A channel passed over, and why.
     *
     * @param cause for a channel held back on purpose — reported as {@code suppressed} — what held it:
     *     {@link #UNSUBSCRIBED} (the user's preference) or {@link #ADDRESS} (a suppressed address); null for a channel
     *     that could not be used (no address, no template)
     */
    public record Skip(Channel channel, String reason, String cause) {
        String failure() {
            return channel + ": " + reason;
        }

        boolean suppressed() {
            return cause != null;
        }
    }

    /** A {@code suppressed} delivery event's cause: the user unsubscribed (the engine has heard of it already). */
    public static final String UNSUBSCRIBED = "unsubscribed";

    /** A {@code suppressed} delivery event's cause: the address is suppressed (hard bounce, complaint, SMS STOP). */
    public static final String ADDRESS = "address";

    /** What holds a channel back, and which kind of thing it is ({@link #UNSUBSCRIBED} or {@link #ADDRESS}). */
    public record Blocked(String reason, String cause) {}

    /** Where a delivery goes. */
    public sealed interface Route {
        /** The channels passed over on the way, in order. */
        List<Skip> skipped();
    }

    /** Into the user's inbox, now, in the same transaction. */
    public record StoreInApp(int channelIndex, Rendered rendered, List<Skip> skipped) implements Route {}

    /** To an outside provider. */
    public record Send(
            int channelIndex,
            Channel channel,
            String address,
            Rendered rendered,
            String unsubscribe,
            List<Skip> skipped)
            implements Route {}

    /** Nowhere: no channel is left. */
    public record NoChannel(List<Skip> skipped) implements Route {}

    /** What blocks a channel for a user or an address: an unsubscription, a suppression; null when nothing does. */
    @FunctionalInterface
    public interface Blocks {
        Blocked blocked(DeliveryRequest request, Channel channel, String address);
    }

    private final Templates templates;
    private final Links links;
    private final DispatchConfig config;
    private final java.time.InstantSource clock;

    Routing(Templates templates, Links links, DispatchConfig config, java.time.InstantSource clock) {
        this.templates = templates;
        this.links = links;
        this.config = config;
        this.clock = clock;
    }

    public Route route(DeliveryRequest request, int fromIndex, Blocks blocks) {
        List<Channel> channels = request.channels();
        List<Skip> skipped = new ArrayList<>();
        for (int index = fromIndex; index < channels.size(); index++) {
            Channel channel = channels.get(index);
            String address = request.address(channel);
            if (!request.writtenFor(channel, templates::has)) {
                skipped.add(new Skip(
                        channel,
                        request.template() == null
                                ? "the broadcast has no " + channel + " content"
                                : "template '" + request.template() + "' has no " + channel + " version",
                        null));
                continue;
            }
            if (address == null) {
                skipped.add(new Skip(
                        channel,
                        channel == Channel.EMAIL ? "the user has no email trait" : "the user has no phone trait",
                        null));
                continue;
            }
            if (channel == Channel.SMS && !PhoneNumbers.E164.matcher(address).matches()) {
                skipped.add(new Skip(
                        channel, "'" + address + "' is not an E.164 phone number, such as +33612345678", null));
                continue;
            }
            Blocked blocked = blocks.blocked(request, channel, address);
            if (blocked != null) {
                skipped.add(new Skip(channel, blocked.reason(), blocked.cause()));
                continue;
            }
            Links.ForMessage messageLinks = links.forMessage(
                    request.userId(),
                    unsubscribeScope(request),
                    channel.wireName(),
                    channel == Channel.IN_APP ? null : address,
                    clock.instant());
            Rendered rendered;
            try {
                Map<String, Object> data = data(request, channel, messageLinks);
                rendered = request.isAnswer()
                        ? answer(request, channel)
                        : request.template() == null
                                ? templates.renderInline(
                                        request.broadcast(),
                                        channel,
                                        request.locale(),
                                        request.content().get(channel),
                                        data)
                                : templates.render(request.template(), channel, request.locale(), data);
            } catch (TemplateException e) {
                skipped.add(new Skip(channel, e.getMessage(), null));
                continue;
            }
            if (channel == Channel.IN_APP) {
                var refused =
                        ActionUrl.problem(rendered.header("url"), config.inbox().actionSchemes());
                if (refused.isPresent()) {
                    skipped.add(new Skip(channel, refused.get(), null));
                    continue;
                }
            }
            return channel == Channel.IN_APP
                    ? new StoreInApp(index, rendered, List.copyOf(skipped))
                    : new Send(index, channel, address, rendered, messageLinks.unsubscribe(), List.copyOf(skipped));
        }
        return new NoChannel(List.copyOf(skipped));
    }

    /**
     * A teammate's answer as it is: text, never a template (what a person types is not Qute), escaped where a channel
     * is HTML.
     */
    static Rendered answer(DeliveryRequest request, Channel channel) {
        String text = request.text().strip();
        String name = request.sender().name();
        return switch (channel) {
            case EMAIL ->
                new Rendered(
                        null,
                        request.locale(),
                        Map.of("subject", "A reply from " + name),
                        "<p>" + Html.escape(text).replace("\n", "<br>\n") + "</p>\n<p>— " + Html.escape(name) + "</p>",
                        text + "\n\n— " + name);
            case SMS -> new Rendered(null, request.locale(), Map.of(), name + ": " + text, null);
            default -> new Rendered(null, request.locale(), Map.of("title", ""), text, null);
        };
    }

    /** What a template can use. */
    private Map<String, Object> data(DeliveryRequest request, Channel channel, Links.ForMessage messageLinks) {
        Map<String, String> linkMap = new LinkedHashMap<>();
        linkMap.put("app", config.appUrl());
        linkMap.put("unsubscribe", messageLinks.unsubscribe());
        linkMap.put("preferences", messageLinks.preferences());
        return TemplateData.of(
                request.userId(),
                request.traits(),
                request.context(),
                request.journey(),
                request.step(),
                request.messageId(),
                channel,
                linkMap,
                request.sender() == null ? Map.of() : request.sender().templateData());
    }

    /**
     * What the message's unsubscribe link stops: its journey's messages; for a broadcast, every message of its
     * category on the channel (a newsletter's link stops the marketing, not the onboarding); for a security notice,
     * which passes unsubscribes, the channel as before.
     */
    static String unsubscribeScope(DeliveryRequest request) {
        if (request.journey() != null || !request.category().obeysUnsubscribes()) {
            return request.journey();
        }
        return Preferences.categoryScope(request.category());
    }
}
