package dev.onramp.infra;

import jakarta.mail.BodyPart;
import jakarta.mail.Header;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A message as an SMTP server received it, taken apart so tests can assert on it.
 *
 * @param headers header names in lower case, each with its values in order
 */
public record ReceivedMail(
        String from, List<String> to, String subject, String text, String html, Map<String, List<String>> headers) {

    public ReceivedMail {
        to = List.copyOf(to);
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    public static ReceivedMail of(MimeMessage message) {
        try {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (Header header : Collections.list(message.getAllHeaders())) {
                headers.computeIfAbsent(header.getName().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(header.getValue());
            }
            List<String> to = new ArrayList<>();
            var recipients = message.getRecipients(Message.RecipientType.TO);
            if (recipients != null) {
                for (var address : recipients) {
                    to.add(address instanceof InternetAddress ia ? ia.getAddress() : address.toString());
                }
            }
            var fromAddresses = message.getFrom();
            String from = fromAddresses == null || fromAddresses.length == 0
                    ? null
                    : fromAddresses[0] instanceof InternetAddress ia ? ia.getAddress() : fromAddresses[0].toString();
            String[] parts = new String[2];
            collect(message, parts);
            return new ReceivedMail(from, to, message.getSubject(), parts[0], parts[1], headers);
        } catch (MessagingException e) {
            throw new IllegalStateException("cannot read a received message", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void collect(Part part, String[] textAndHtml) throws MessagingException, IOException {
        if (part.isMimeType("text/plain") && textAndHtml[0] == null) {
            textAndHtml[0] = part.getContent().toString();
        } else if (part.isMimeType("text/html") && textAndHtml[1] == null) {
            textAndHtml[1] = part.getContent().toString();
        } else if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart body = multipart.getBodyPart(i);
                collect(body, textAndHtml);
            }
        }
    }
}
