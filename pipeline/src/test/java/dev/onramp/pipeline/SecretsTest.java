package dev.onramp.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rule every secret of every service meets outside dev and test. */
class SecretsTest {

    @Test
    void aSecretIsSetLongRandomLookingAndNotPublished() {
        assertThat(Secrets.weakness(null)).contains("is not set");
        assertThat(Secrets.weakness("  ")).contains("is not set");
        assertThat(Secrets.weakness("dev-links-secret")).contains("is a value the documentation shows");
        assertThat(Secrets.weakness("please-change-me-before-production-0123456789"))
                .contains("is a value the documentation shows");
        assertThat(Secrets.weakness("0123456789abcdef0123456789abcde")).contains("is shorter than 32 bytes");
        assertThat(Secrets.weakness("abababababababababababababababababab"))
                .contains("repeats too few characters to be random");
        assertThat(Secrets.weakness("Vq3n0C4gX1b9yZ2rT7wL5kE8pH6sJdMf0aQ")).isEmpty();
    }

    @Test
    void eachProblemNamesTheVariableThatSetsIt() {
        Secrets secrets = new Secrets()
                .require("onramp.dispatch.links-secret", Optional.empty())
                .optional("onramp.dispatch.links-secret-previous", Optional.empty())
                .optional("onramp.dispatch.inbox.secret-previous", Optional.of("short"))
                .present("onramp.dispatch.sms.auth-token", Optional.empty(), "SMS is configured");

        assertThat(secrets.problems())
                .containsExactly(
                        "ONRAMP_DISPATCH_LINKS_SECRET (onramp.dispatch.links-secret) is not set",
                        "ONRAMP_DISPATCH_INBOX_SECRET_PREVIOUS (onramp.dispatch.inbox.secret-previous) is shorter than"
                                + " 32 bytes",
                        "ONRAMP_DISPATCH_SMS_AUTH_TOKEN (onramp.dispatch.sms.auth-token) is not set, and SMS is"
                                + " configured");
    }
}
