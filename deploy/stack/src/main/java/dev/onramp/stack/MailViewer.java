package dev.onramp.stack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.SmtpService;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A small web page listing what the local SMTP server received, newest first, each mail readable as sent. */
final class MailViewer implements AutoCloseable {

    private final HttpServer server;
    private final SmtpService smtp;

    MailViewer(SmtpService smtp, int port) throws IOException {
        this.smtp = smtp;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            List<ReceivedMail> mails = smtp.allMails().reversed();
            String path = exchange.getRequestURI().getPath();
            String html;
            if (path.startsWith("/mail/")) {
                int index;
                try {
                    index = Integer.parseInt(path.substring(6));
                } catch (NumberFormatException e) {
                    index = -1;
                }
                if (index < 0 || index >= mails.size()) {
                    send(exchange, 404, "<p>No such mail. <a href=\"/\">Back</a></p>");
                    return;
                }
                ReceivedMail mail = mails.get(index);
                html = page(
                        escape(mail.subject()),
                        "<p><a href=\"/\">← all mail</a></p><table>"
                                + row("From", mail.from()) + row("To", String.join(", ", mail.to()))
                                + row("Subject", mail.subject())
                                + row("List-Unsubscribe", mail.header("List-Unsubscribe"))
                                + "</table><h2>HTML part</h2><div class=\"mail\">"
                                + (mail.html() == null ? "<i>none</i>" : mail.html()) + "</div><h2>Text part</h2><pre>"
                                + escape(mail.text() == null ? "(none)" : mail.text()) + "</pre>");
            } else {
                StringBuilder list = new StringBuilder(
                        "<p>" + mails.size() + " message(s) received by the local SMTP server."
                                + " This page does not refresh by itself.</p><table><tr><th>To</th><th>Subject</th></tr>");
                for (int i = 0; i < mails.size(); i++) {
                    ReceivedMail mail = mails.get(i);
                    list.append("<tr><td>")
                            .append(escape(String.join(", ", mail.to())))
                            .append("</td><td><a href=\"/mail/")
                            .append(i)
                            .append("\">")
                            .append(escape(mail.subject()))
                            .append("</a></td></tr>");
                }
                html = page("Onramp mail viewer", list.append("</table>").toString());
            }
            send(exchange, 200, html);
        }
    }

    private static String row(String name, String value) {
        return value == null ? "" : "<tr><th>" + name + "</th><td>" + escape(value) + "</td></tr>";
    }

    private static String page(String title, String body) {
        return "<!doctype html><meta charset=\"utf-8\"><title>" + title
                + "</title><style>body{font:15px system-ui;margin:2em;max-width:60em}"
                + "td,th{text-align:left;padding:.3em .8em .3em 0;vertical-align:top}.mail{border:1px solid #ccc;padding:1em}"
                + "pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style><h1>" + title + "</h1>" + body;
    }

    private static void send(HttpExchange exchange, int status, String html) throws IOException {
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
