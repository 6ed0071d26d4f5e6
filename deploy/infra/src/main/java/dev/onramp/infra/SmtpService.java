package dev.onramp.infra;

import java.util.List;

/** A running SMTP server that accepts every message and lets tests and people read what arrived. */
public interface SmtpService extends AutoCloseable {

    String host();

    int smtpPort();

    /** Every message delivered to this address so far, oldest first. */
    List<ReceivedMail> mailsTo(String address);

    /** Every message received so far, oldest first. */
    List<ReceivedMail> allMails();

    @Override
    void close();
}
