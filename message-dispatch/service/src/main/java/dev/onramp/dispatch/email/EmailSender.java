package dev.onramp.dispatch.email;

import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.templates.Rendered;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.vertx.ext.mail.SMTPException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Sends email through SMTP (Quarkus Mailer), so any provider works. Multipart text and HTML; a {@code Message-ID}
 * derived from the message id, so a message sent again after a crash is recognisable as the same one.
 */
@ApplicationScoped
public class EmailSender {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ReactiveMailer mailer;
    private final DispatchConfig config;

    EmailSender(ReactiveMailer mailer, DispatchConfig config) {
        this.mailer = mailer;
        this.config = config;
    }

    /** How a send went: accepted, worth retrying, or refused for good (the address should not be used again). */
    public record Outcome(Kind kind, String detail) {
        public enum Kind {
            SENT,
            TRANSIENT,
            REJECTED
        }
    }

    public Outcome send(String messageId, String to, Rendered message) {
        Mail mail = Mail.withHtml(to, message.header("subject"), message.body())
                .setText(message.text())
                .setFrom(config.email().from())
                .addHeader("Message-ID", "<" + messageId + "@onramp>")
                .addHeader("X-Onramp-Message-Id", messageId);
        try {
            mailer.send(mail).await().atMost(TIMEOUT);
            return new Outcome(Outcome.Kind.SENT, null);
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause != null && !(cause instanceof SMTPException)) {
                cause = cause.getCause();
            }
            if (cause instanceof SMTPException smtp && smtp.isPermanent()) {
                return new Outcome(Outcome.Kind.REJECTED, smtp.getReplyCode() + " " + smtp.getReplyMessage());
            }
            return new Outcome(Outcome.Kind.TRANSIENT, cause != null ? cause.getMessage() : e.toString());
        }
    }
}
