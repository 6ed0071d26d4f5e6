package dev.onramp.dispatch.send;

import dev.onramp.templates.Channel;

/**
 * Hands a rendered message to an outside provider: an SMTP server, an SMS API, a webhook receiver. Never throws:
 * every way a send can end is a {@link SendOutcome}, so a delivery can never hang in {@code sending}.
 */
public interface Sender {

    /** The channel this sender serves. */
    Channel channel();

    SendOutcome send(Outgoing message);
}
