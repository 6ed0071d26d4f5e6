package dev.onramp.dispatch.email;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.send.Outgoing;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.dispatch.send.Sender;
import dev.onramp.templates.Channel;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.SMTPException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends email through SMTP (Quarkus Mailer, pooled keep-alive connections), so any provider works. Multipart text and
 * HTML; {@code List-Unsubscribe} with one-click {@code List-Unsubscribe-Post} (RFC 8058); a {@code Message-ID} derived
 * from the message id, so a message sent again after a crash is the same message to mail clients that deduplicate.
 */
@ApplicationScoped
public class EmailSender implements Sender {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** How the message ids of test sends begin: such an email carries {@code X-Onramp-Test: true}. */
    public static final String TEST_PREFIX = "test-";

    private final ReactiveMailer mailer;
    private final DispatchConfig config;
    private final ReplyAddresses replyAddresses;
    /**
     * Every send starts on this one event-loop context. Called from many sender threads, the mail client would
     * otherwise make a context per call and hand pooled connections between them, which now and then leaves a send
     * waiting for a reply that its context never sees.
     */
    private final Context context;

    EmailSender(ReactiveMailer mailer, DispatchConfig config, ReplyAddresses replyAddresses, Vertx vertx) {
        this.mailer = mailer;
        this.config = config;
        this.replyAddresses = replyAddresses;
        this.context = vertx.getOrCreateContext();
    }

    @Override
    public Channel channel() {
        return Channel.EMAIL;
    }

    @Override
    public SendOutcome send(Outgoing message) {
        Mail mail;
        try {
            mail = mail(message);
        } catch (RuntimeException e) {
            return SendOutcome.permanent("the email cannot be built as rendered: " + e.getMessage());
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            try {
                mailer.send(mail).subscribe().with(ok -> sent.complete(null), sent::completeExceptionally);
            } catch (RuntimeException e) {
                sent.completeExceptionally(e);
            }
        });
        try {
            sent.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return SendOutcome.sent(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendOutcome.transientFailure("interrupted while sending");
        } catch (TimeoutException e) {
            return SendOutcome.transientFailure("no answer from the SMTP server within " + TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            Throwable first = cause;
            while (cause != null && !(cause instanceof SMTPException)) {
                cause = cause.getCause();
            }
            if (cause instanceof SMTPException smtp && smtp.isPermanent()) {
                return SendOutcome.rejected(smtp.getReplyCode() + " " + smtp.getReplyMessage());
            }
            if (first instanceof IllegalArgumentException || first instanceof IllegalStateException) {
                // The mail client refused the message itself: sending it again changes nothing.
                return SendOutcome.permanent("the mail client refused the email: " + first.getMessage());
            }
            return SendOutcome.transientFailure(String.valueOf(cause != null ? cause.getMessage() : first));
        }
    }

    /**
     * The email: multipart text and HTML, its headers free of line breaks and other control characters whatever the
     * template and the user's traits hold (a header cannot be split or injected).
     */
    private Mail mail(Outgoing message) {
        String listUnsubscribe = "<" + message.unsubscribe() + ">"
                + config.email()
                        .unsubscribeMailto()
                        .map(m -> ", <mailto:" + m + "?subject=unsubscribe>")
                        .orElse("");
        Mail mail = Mail.withHtml(
                        headerValue(message.address()),
                        headerValue(message.rendered().header("subject")),
                        message.rendered().body())
                .setText(message.rendered().text())
                .setFrom(from(displayName(message)));
        String replyTo = headerValue(message.rendered().header("reply_to"));
        if (replyTo != null && !replyTo.isEmpty()) {
            if (!ADDRESS.matcher(replyTo).matches()) {
                throw new IllegalArgumentException("reply_to '" + replyTo + "' is not an email address");
            }
            mail.setReplyTo(replyTo);
        } else {
            replyTo(message).ifPresent(mail::setReplyTo);
        }
        if (message.messageId().startsWith(TEST_PREFIX)) {
            mail.addHeader("X-Onramp-Test", "true");
        }
        return mail.addHeader("Message-ID", "<" + headerValue(message.messageId()) + "@onramp>")
                .addHeader("X-Onramp-Message-Id", headerValue(message.messageId()))
                .addHeader("List-Unsubscribe", headerValue(listUnsubscribe))
                .addHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    }

    /**
     * Who the From shows: the template's {@code from_name} when it has one, else the signing teammate as "Belle at
     * Acme" (Acme: the name in {@code onramp.dispatch.email.from}), else nobody in particular (the configured From).
     */
    private String displayName(Outgoing message) {
        String fromName = headerValue(message.rendered().header("from_name"));
        if (fromName != null && !fromName.isEmpty()) {
            return fromName;
        }
        if (message.sender() == null) {
            return null;
        }
        String configured = headerValue(config.email().from());
        int open = configured.lastIndexOf('<');
        String product =
                open > 0 ? configured.substring(0, open).replace("\"", "").strip() : "";
        String name = headerValue(message.sender().name());
        return product.isEmpty() || product.equalsIgnoreCase(name) ? name : name + " at " + product;
    }

    /**
     * Where replies go when the template names no {@code reply_to}: for a message that takes replies, its own signed
     * address at the reply domain (the reply becomes part of its conversation); else the configured reply address,
     * else the signing teammate's own address; none for a message the product itself sends.
     */
    private Optional<String> replyTo(Outgoing message) {
        if (message.replies()) {
            Optional<String> own = replyAddresses.of(message.messageId());
            if (own.isPresent()) {
                return own;
            }
        }
        Optional<String> configured =
                config.email().replyTo().map(EmailSender::headerValue).filter(a -> !a.isEmpty());
        if (configured.isPresent()) {
            return configured;
        }
        if (message.sender() == null) {
            return Optional.empty();
        }
        String own = headerValue(message.sender().email());
        return own != null && ADDRESS.matcher(own).matches() ? Optional.of(own) : Optional.empty();
    }

    /**
     * The sender: {@code onramp.dispatch.email.from}, or its address under the template's {@code from_name} (a teammate
     * who signs the message), quoted so that no character of the name can end it or add an address.
     */
    private String from(String name) {
        String configured = headerValue(config.email().from());
        String display = headerValue(name);
        if (display == null || display.isEmpty()) {
            return configured;
        }
        int open = configured.lastIndexOf('<');
        int close = configured.lastIndexOf('>');
        String address = open >= 0 && close > open
                ? configured.substring(open + 1, close).strip()
                : configured;
        return "\"" + display.replaceAll("[\"\\\\<>]", "").strip() + "\" <" + address + ">";
    }

    /** What passes for an email address: one @, no spaces, no characters that would end an address in a header. */
    public static final java.util.regex.Pattern ADDRESS =
            java.util.regex.Pattern.compile("[^@\\s<>,;\"()]+@[^@\\s<>,;\"()]+");

    /** A header value on one line: control characters (CR, LF, tab, NUL...) and line separators become spaces. */
    static String headerValue(String value) {
        if (value == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            out.append(control ? ' ' : c);
        }
        return out.toString().replaceAll(" {2,}", " ").strip();
    }
}
