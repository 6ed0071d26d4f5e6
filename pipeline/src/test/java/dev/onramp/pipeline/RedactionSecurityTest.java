package dev.onramp.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/** What leaves the service in logs and outcome details carries no address, number, credential or token. */
class RedactionSecurityTest {

    @Test
    void addressesNumbersCredentialsAndTokensAreTakenOutIdsStay() {
        String text = "550 5.1.1 <ada.lovelace+onramp@example.co.uk>: no such user; sms to +33612345678 failed;"
                + " POST https://bot:hunter2@hooks.example.com/x?token=tok_live_9f8e7d&user=1 answered 500;"
                + " link /v1/unsubscribe/0a1b2c3d.eyJwIjoidSIsInUiOiJ1LTEiLCJqIjoib25ib2FyZGluZyJ9.c2lnbmF0dXJlc2lnbmF0dXJlc2ln;"
                + " message 4f6eb8bf-e25f-497f-ae5d-a43e7565223e of user-42 and user-a91e8031-4951-4b01-a632-7acb3e3099fc";

        String redacted = Redaction.redact(text);

        assertThat(redacted)
                .doesNotContain("ada.lovelace", "+33612345678", "hunter2", "tok_live_9f8e7d", "eyJwIjoid")
                .contains("[email]@example.co.uk")
                .contains("+[phone]78")
                .contains("https://[credentials]@hooks.example.com/x?token=[redacted]&user=1")
                .contains("[token]")
                .contains("4f6eb8bf-e25f-497f-ae5d-a43e7565223e")
                .contains("user-42")
                .contains("user-a91e8031-4951-4b01-a632-7acb3e3099fc");
    }

    @Test
    void theLogFilterRewritesTheFormattedMessage() {
        ExtLogRecord record =
                new ExtLogRecord(Level.WARNING, "could not send to %s", ExtLogRecord.FormatStyle.PRINTF, "x");
        record.setParameters(new Object[] {"bob@example.com"});

        assertThat(new Redaction().isLoggable(record)).isTrue();
        assertThat(record.getFormattedMessage()).isEqualTo("could not send to [email]@example.com");
    }
}
