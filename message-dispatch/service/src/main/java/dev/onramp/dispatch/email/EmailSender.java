package dev.onramp.dispatch.email;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.delivery.SendOutcome;
import dev.onramp.templates.Rendered;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.SMTPException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
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
public class EmailSender {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ReactiveMailer mailer;
    private final DispatchConfig config;
    /**
     * Every send starts on this one event-loop context. Called from many sender threads, the mail client would
     * otherwise make a context per call and hand pooled connections between them, which now and then leaves a send
     * waiting for a reply that its context never sees.
     */
    private final Context context;

    EmailSender(ReactiveMailer mailer, DispatchConfig config, Vertx vertx) {
        this.mailer = mailer;
        this.config = config;
        this.context = vertx.getOrCreateContext();
    }

    /** @param unsubscribe the signed one-click unsubscribe URL of this message */
    public SendOutcome send(String messageId, String to, Rendered message, String unsubscribe) {
        String listUnsubscribe = "<" + unsubscribe + ">"
                + config.email()
                        .unsubscribeMailto()
                        .map(m -> ", <mailto:" + m + "?subject=unsubscribe>")
                        .orElse("");
        Mail mail = Mail.withHtml(to, message.header("subject"), message.body())
                .setText(message.text())
                .setFrom(config.email().from())
                .addHeader("Message-ID", "<" + messageId + "@onramp>")
                .addHeader("X-Onramp-Message-Id", messageId)
                .addHeader("List-Unsubscribe", listUnsubscribe)
                .addHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        CompletableFuture<Void> sent = new CompletableFuture<>();
        context.runOnContext(
                ignored -> mailer.send(mail).subscribe().with(ok -> sent.complete(null), sent::completeExceptionally));
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
            return SendOutcome.transientFailure(String.valueOf(cause != null ? cause.getMessage() : first));
        }
    }
}
