package dev.onramp.infra;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.List;

/** A real SMTP server (GreenMail) in this JVM that accepts every message and keeps it in memory. */
public final class GreenMailSmtp implements SmtpService {

    private final GreenMail greenMail;
    private final int port;

    private GreenMailSmtp(GreenMail greenMail, int port) {
        this.greenMail = greenMail;
        this.port = port;
    }

    /** Starts on {@code port}; 0 picks a free one. */
    public static GreenMailSmtp start(int port) {
        int actual = port == 0 ? FreePorts.find() : port;
        GreenMail greenMail = new GreenMail(new ServerSetup(actual, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.start();
        return new GreenMailSmtp(greenMail, actual);
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int smtpPort() {
        return port;
    }

    @Override
    public List<ReceivedMail> mailsTo(String address) {
        return Arrays.stream(greenMail.getReceivedMessages())
                .filter(message -> isFor(message, address))
                .map(ReceivedMail::of)
                .toList();
    }

    @Override
    public List<ReceivedMail> allMails() {
        return Arrays.stream(greenMail.getReceivedMessages())
                .map(ReceivedMail::of)
                .toList();
    }

    /** How many messages it received, without reading them. */
    public int count() {
        return greenMail.getReceivedMessages().length;
    }

    /** Forgets every message received so far. */
    public void purge() {
        try {
            greenMail.purgeEmailFromAllMailboxes();
        } catch (Exception e) {
            throw new IllegalStateException("cannot purge GreenMail", e);
        }
    }

    private static boolean isFor(MimeMessage message, String address) {
        try {
            var recipients = message.getRecipients(Message.RecipientType.TO);
            return recipients != null
                    && Arrays.stream(recipients)
                            .anyMatch(r -> r instanceof InternetAddress ia
                                    && ia.getAddress().equalsIgnoreCase(address));
        } catch (MessagingException e) {
            return false;
        }
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
