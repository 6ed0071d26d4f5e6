package dev.onramp.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onramp.dispatch.email.InboundEmail;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How a raw reply is read: who it is for, whether a machine wrote it, and only the new text of a person. */
class InboundEmailTest {

    static InboundEmail parse(String raw) {
        return InboundEmail.parse(raw.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void gmailsWrappedQuoteHeaderAndTheQuoteAreLeftOut() {
        InboundEmail email = parse("""
                From: Ada <ada@example.com>
                To: 1b4e28ba-2fa1-11d2-883f-0016d3cca427.0123456789abcdef@reply.acme.example
                Delivered-To: envelope@reply.acme.example
                Message-ID: <CAF=abc@mail.gmail.com>
                Subject: Re: Invite a teammate
                Content-Type: text/plain; charset=UTF-8

                Where do I find the invite link?

                Thanks!

                On Mon, 7 Dec 2026 at 15:00, Belle at Acme <onboarding@acme.example>
                wrote:
                > Hi Ada, invite a teammate:
                > https://app.acme.example/invite
                """);
        assertThat(email.text()).isEqualTo("Where do I find the invite link?\n\nThanks!");
        assertThat(email.recipients())
                .containsExactly(
                        "envelope@reply.acme.example",
                        "1b4e28ba-2fa1-11d2-883f-0016d3cca427.0123456789abcdef@reply.acme.example");
        assertThat(email.messageId()).isEqualTo("<CAF=abc@mail.gmail.com>");
        assertThat(email.from()).isEqualTo("ada@example.com");
        assertThat(email.automatic()).isNull();
    }

    @Test
    void outlooksHeaderBlockAndASignatureEndTheNewText() {
        assertThat(parse("""
                        From: ada@example.com
                        To: x@reply.acme.example
                        Content-Type: text/plain

                        It crashes when I upload a CSV.
                        --
                        Ada Lovelace, Analytical Engines Ltd
                        """).text()).isEqualTo("It crashes when I upload a CSV.");
        assertThat(parse("""
                        From: ada@example.com
                        To: x@reply.acme.example
                        Content-Type: text/plain

                        Yes please.
                        From: I mean it, from the bottom of my heart.

                        ________________________________
                        From: Belle at Acme <onboarding@acme.example>
                        Sent: Monday, December 7, 2026 3:00 PM
                        Subject: Invite a teammate
                        """).text()).isEqualTo("Yes please.\nFrom: I mean it, from the bottom of my heart.");
        assertThat(InboundEmail.newText(
                        "Merci !\n\nLe lun. 7 déc. 2026 à 15:00, Belle <b@acme.example> a écrit :\n> Salut"))
                .isEqualTo("Merci !");
    }

    @Test
    void anHtmlOnlyReplyGivesItsTextWithoutTheQuotedBlock() {
        InboundEmail email = parse("""
                From: ada@example.com
                To: x@reply.acme.example
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="b1"

                --b1
                Content-Type: text/html; charset=UTF-8

                <div>Found it,<br>thanks &amp; bye</div><div class="gmail_quote">On Mon … wrote:<blockquote>Hi Ada</blockquote></div>
                --b1
                Content-Type: text/plain; name="log.txt"
                Content-Disposition: attachment; filename="log.txt"

                not the reply
                --b1--
                """);
        assertThat(email.text()).isEqualTo("Found it,\nthanks & bye");
    }

    @Test
    void aMachinesReplyIsToldApart() {
        assertThat(parse("""
                        From: ada@example.com
                        To: x@reply.acme.example
                        Auto-Submitted: auto-replied
                        Content-Type: text/plain

                        I am out of the office until Monday.
                        """).automatic()).isEqualTo("Auto-Submitted: auto-replied");
        assertThat(parse("""
                        From: mailer-daemon@example.com
                        To: x@reply.acme.example
                        MIME-Version: 1.0
                        Content-Type: multipart/report; report-type=delivery-status; boundary="r"

                        --r
                        Content-Type: text/plain

                        Delivery failed.
                        --r--
                        """).automatic()).isEqualTo("a delivery report");
    }

    @Test
    void whatIsNotAnEmailIsRefused() {
        assertThatThrownBy(() -> parse("just some text\n")).isInstanceOf(IllegalArgumentException.class);
    }
}
