package dev.onramp.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What message-dispatch says about a delivery leaves it redacted (the rule: pipeline's RedactionSecurityTest). */
class DeliveryEventRedactionTest {

    @Test
    void anOutcomeDetailIsRedactedBeforeItBecomesADeliveryEvent() {
        var event = new dev.onramp.dispatch.outbox.DeliveryEvent(
                "m-1", "u-1", "onboarding", "welcome", "email", "failed", "550 <bob@example.com> unknown");

        assertThat(event.detail()).isEqualTo("550 <[email]@example.com> unknown");
    }
}
