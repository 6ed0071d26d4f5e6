package dev.onramp.dispatch.email;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;

/**
 * A reply as a provider's inbound route forwards it: the raw RFC 5322 message, read with Jakarta Mail. What Onramp
 * takes from it: who it is addressed to (To, Cc and the delivery headers that name the envelope recipient), its
 * Message-ID, whether a machine wrote it (an out-of-office, a bounce), and the new text — the plain part (or the HTML
 * part's text), without the quoted history and the signature.
 *
 * @param recipients every address it was delivered to, envelope first
 * @param automatic why a machine wrote it; null when a person did
 * @param text the new text, possibly empty
 */
public record InboundEmail(String messageId, String from, List<String> recipients, String automatic, String text) {

    /** The envelope recipient, as MTAs and providers record it, before To and Cc. */
    private static final List<String> ENVELOPE =
            List.of("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To");

    /** Where a mail client starts quoting what it answers: Gmail, Apple Mail, Outlook, Thunderbird, in five languages. */
    private static final List<Pattern> QUOTE_STARTS = List.of(
            Pattern.compile("^On\\b.{0,300}\\bwrote:\\s*$", Pattern.DOTALL),
            Pattern.compile("^Le\\b.{0,300}\\ba écrit\\s?:\\s*$", Pattern.DOTALL),
            Pattern.compile("^Am\\b.{0,300}\\bschrieb.{0,100}:\\s*$", Pattern.DOTALL),
            Pattern.compile("^El\\b.{0,300}\\bescribió:\\s*$", Pattern.DOTALL),
            Pattern.compile(
                    "^-{2,}\\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original)\\s*-{2,}\\s*$",
                    Pattern.CASE_INSENSITIVE),
            Pattern.compile("^_{10,}\\s*$"));

    /** Outlook's quote header: "From: …" followed by "Sent: …" (or its translations). */
    private static final Pattern OUTLOOK_FROM = Pattern.compile("^\\*?(From|De|Von|Van)\\s?:\\*?\\s.+$");

    private static final Pattern OUTLOOK_SENT =
            Pattern.compile("^\\*?(Sent|Date|Envoyé|Gesendet|Enviado)\\s?:\\*?\\s.+$");

    private static final Pattern SIGNATURE = Pattern.compile("^(-- |--|Sent from my .{1,40}|Get Outlook for .{1,40})$");

    /**
     * @throws IllegalArgumentException when it is not a message at all
     */
    public static InboundEmail parse(byte[] raw) {
        try {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
            Set<String> recipients = new LinkedHashSet<>();
            for (String header : ENVELOPE) {
                String[] values = message.getHeader(header);
                if (values != null) {
                    for (String value : values) {
                        addAll(recipients, value);
                    }
                }
            }
            for (String header : List.of("To", "Cc")) {
                String value = message.getHeader(header, ",");
                if (value != null) {
                    addAll(recipients, value);
                }
            }
            Address[] from = message.getFrom();
            String sender =
                    from != null && from.length > 0 && from[0] instanceof InternetAddress a ? a.getAddress() : null;
            if (recipients.isEmpty() && sender == null) {
                throw new IllegalArgumentException("it has neither recipients nor a sender: not an email message");
            }
            StringBuilder plain = new StringBuilder();
            StringBuilder html = new StringBuilder();
            collect(message, plain, html, 0);
            String text = plain.isEmpty() ? (html.isEmpty() ? "" : htmlText(html.toString())) : plain.toString();
            return new InboundEmail(
                    message.getMessageID(), sender, List.copyOf(recipients), automatic(message), newText(text));
        } catch (MessagingException | IOException e) {
            throw new IllegalArgumentException("it cannot be read as an RFC 5322 message: " + e.getMessage(), e);
        }
    }

    /** What a person wrote above the quote of what they answer, without their signature. */
    public static String newText(String text) {
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].stripTrailing();
            if (line.startsWith(">") || SIGNATURE.matcher(line).matches()) {
                break;
            }
            // A client's "On … wrote:" may be wrapped onto the next line.
            String joined = i + 1 < lines.length ? line + " " + lines[i + 1].strip() : line;
            boolean outlook = OUTLOOK_FROM.matcher(line.strip()).matches()
                    && i + 1 < lines.length
                    && OUTLOOK_SENT.matcher(lines[i + 1].strip()).matches();
            if (outlook || quoteStart(line) || (!line.isBlank() && quoteStart(joined) && quoteStarts(lines, i + 2))) {
                break;
            }
            kept.add(line);
        }
        return String.join("\n", kept).strip();
    }

    private static boolean quoteStart(String line) {
        String l = line.strip();
        return !l.isEmpty() && QUOTE_STARTS.stream().anyMatch(p -> p.matcher(l).matches());
    }

    /** Whether what follows line {@code from} is quoted (so a joined "On … wrote:" really starts a quote). */
    private static boolean quoteStarts(String[] lines, int from) {
        for (int i = from; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                return lines[i].startsWith(">");
            }
        }
        return true;
    }

    /** Why a machine wrote it (RFC 3834 and the headers auto-responders use), or null. */
    private static String automatic(MimeMessage message) throws MessagingException {
        String submitted = message.getHeader("Auto-Submitted", null);
        if (submitted != null && !submitted.strip().equalsIgnoreCase("no")) {
            return "Auto-Submitted: " + submitted.strip();
        }
        for (String header : List.of("X-Autoreply", "X-Autorespond")) {
            if (message.getHeader(header, null) != null) {
                return header;
            }
        }
        String precedence = message.getHeader("Precedence", null);
        if (precedence != null
                && List.of("bulk", "junk", "auto_reply", "list")
                        .contains(precedence.strip().toLowerCase(Locale.ROOT))) {
            return "Precedence: " + precedence.strip();
        }
        if (message.isMimeType("multipart/report")) {
            return "a delivery report";
        }
        return null;
    }

    /** The first text/plain and text/html parts that are not attachments, depth first. */
    private static void collect(Part part, StringBuilder plain, StringBuilder html, int depth)
            throws MessagingException, IOException {
        if (depth > 10 || Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition())) {
            return;
        }
        if (part.isMimeType("text/plain") && plain.isEmpty()) {
            plain.append(String.valueOf(part.getContent()));
        } else if (part.isMimeType("text/html") && html.isEmpty()) {
            html.append(String.valueOf(part.getContent()));
        } else if (part.isMimeType("multipart/*") && part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                collect(child, plain, html, depth + 1);
            }
        }
    }

    /** The text of an HTML reply, its blocks on lines of their own and its quoted blockquotes left out. */
    private static String htmlText(String html) {
        var document = Jsoup.parse(html);
        document.select("blockquote, .gmail_quote, #divRplyFwdMsg, #appendonsend")
                .remove();
        document.select("br").append("\\n");
        document.select("p, div, li, h1, h2, h3, tr").prepend("\\n");
        return document.text()
                .replace("\\n", "\n")
                .replaceAll("[ \\t]*\n[ \\t]*", "\n")
                .replaceAll("\n{3,}", "\n\n");
    }

    private static void addAll(Set<String> into, String header) {
        try {
            for (InternetAddress address : InternetAddress.parseHeader(header, false)) {
                if (address.getAddress() != null) {
                    into.add(address.getAddress());
                }
            }
        } catch (AddressException e) {
            // An unreadable address header names nobody we know.
        }
    }
}
