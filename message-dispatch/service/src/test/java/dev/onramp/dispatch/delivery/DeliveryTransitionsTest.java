package dev.onramp.dispatch.delivery;

import static dev.onramp.templates.Channel.EMAIL;
import static dev.onramp.templates.Channel.IN_APP;
import static dev.onramp.templates.Channel.SMS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.dispatch.delivery.DeliveryTransitions.Event;
import dev.onramp.dispatch.delivery.DeliveryTransitions.Step;
import dev.onramp.dispatch.delivery.DeliveryTransitions.Suppression;
import dev.onramp.dispatch.ledger.DeliveryStatus;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.templates.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The delivery state machine alone: one state, one thing that happened, one step. */
class DeliveryTransitionsTest {

    static final Instant NOW = Instant.parse("2026-03-02T09:00:00Z");
    static final Instant LEASE = NOW.plusSeconds(30);
    static final List<Channel> EMAIL_THEN_IN_APP = List.of(EMAIL, IN_APP);
    static final DeliveryTransitions.Retries THREE_TRIES = n -> n < 3 ? Duration.ofMinutes(n) : null;

    static DeliveryState pending() {
        return new DeliveryState(DeliveryStatus.PENDING, 0, 0, NOW, null, List.of(), null, null, null, null, null);
    }

    static Routing.Send email(int index) {
        return new Routing.Send(index, EMAIL, "ada@example.com", null, null, List.of());
    }

    static DeliveryState sending(int attempts) {
        return new DeliveryState(
                DeliveryStatus.SENDING, 0, attempts, null, null, List.of(), null, "ada@example.com", null, "me", LEASE);
    }

    @Test
    void anInAppRouteIsDeliveredAtOnceAndReported() {
        Step step = DeliveryTransitions.routed(
                pending(), List.of(IN_APP), new Routing.StoreInApp(0, null, List.of()), "me", LEASE);

        assertThat(step.state().status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(step.events()).containsExactly(new Event(IN_APP, "delivered", null));
    }

    @Test
    void anOutsideRouteIsQueuedForThisInstanceUnderALeaseAndReportsNothingYet() {
        Step step = DeliveryTransitions.routed(pending(), EMAIL_THEN_IN_APP, email(0), "me", LEASE);

        assertThat(step.state())
                .extracting(
                        DeliveryState::status,
                        DeliveryState::leaseOwner,
                        DeliveryState::leaseUntil,
                        DeliveryState::address)
                .containsExactly(DeliveryStatus.QUEUED, "me", LEASE, "ada@example.com");
        assertThat(step.events()).isEmpty();
    }

    @Test
    void aBlockedChannelIsReportedSuppressedAndTheFallbackNamesIt() {
        var skipped = List.of(new Routing.Skip(EMAIL, "ada@example.com is suppressed: bounced", Routing.ADDRESS));

        Step step = DeliveryTransitions.routed(
                pending(), EMAIL_THEN_IN_APP, new Routing.StoreInApp(1, null, skipped), "me", LEASE);

        assertThat(step.events())
                .containsExactly(
                        new Event(EMAIL, "suppressed", "ada@example.com is suppressed: bounced", Routing.ADDRESS),
                        new Event(
                                IN_APP,
                                "delivered",
                                "by fallback after email: ada@example.com is suppressed: bounced"));
    }

    @Test
    void noChannelLeftFailsOnTheFirstChannelAndDeadLetters() {
        Step step =
                DeliveryTransitions.routed(pending(), EMAIL_THEN_IN_APP, new Routing.NoChannel(List.of()), "me", LEASE);

        assertThat(step.state().status()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(step.events()).containsExactly(new Event(EMAIL, "failed", "no channel to send by"));
        assertThat(step.deadLetter()).isTrue();
    }

    @Test
    void anAcceptedSendIsSentWithTheProvidersIdAndTheLeaseEnds() {
        Step step = DeliveryTransitions.sent(
                sending(0), EMAIL_THEN_IN_APP, email(0), List.of(), SendOutcome.sent("SM1"), THREE_TRIES, NOW);

        assertThat(step.state())
                .extracting(
                        DeliveryState::status,
                        DeliveryState::providerId,
                        DeliveryState::leaseOwner,
                        DeliveryState::attempts)
                .containsExactly(DeliveryStatus.SENT, "SM1", null, 1);
        assertThat(step.events()).containsExactly(new Event(EMAIL, "sent", null));
    }

    @Test
    void aTransientFailureWithTriesLeftWaitsOnTheSameChannelAndReportsNothing() {
        Step step = DeliveryTransitions.sent(
                sending(1),
                EMAIL_THEN_IN_APP,
                email(0),
                List.of(),
                SendOutcome.transientFailure("503"),
                THREE_TRIES,
                NOW);

        assertThat(step.state())
                .extracting(
                        DeliveryState::status,
                        DeliveryState::channelIndex,
                        DeliveryState::attempts,
                        DeliveryState::nextAttemptAt)
                .containsExactly(DeliveryStatus.PENDING, 0, 2, NOW.plus(Duration.ofMinutes(2)));
        assertThat(step.events()).isEmpty();
        assertThat(step.retryIn()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void aTransientFailureWithNoTriesLeftMovesToTheNextChannelDueNow() {
        Step step = DeliveryTransitions.sent(
                sending(2),
                EMAIL_THEN_IN_APP,
                email(0),
                List.of(),
                SendOutcome.transientFailure("503"),
                THREE_TRIES,
                NOW);

        assertThat(step.state())
                .extracting(
                        DeliveryState::status,
                        DeliveryState::channelIndex,
                        DeliveryState::attempts,
                        DeliveryState::failures)
                .containsExactly(DeliveryStatus.PENDING, 1, 0, List.of("email: 503 (gave up after 3 attempts)"));
        assertThat(step.dueNow()).isTrue();
    }

    @Test
    void aRejectedAddressIsSuppressedReportedAndOnTheLastChannelFailsAndDeadLetters() {
        Step step = DeliveryTransitions.sent(
                sending(0),
                List.of(EMAIL),
                email(0),
                List.of(),
                SendOutcome.rejected("550 no such user"),
                THREE_TRIES,
                NOW);

        assertThat(step.suppress()).isEqualTo(new Suppression(EMAIL, "ada@example.com", "550 no such user"));
        assertThat(step.events())
                .containsExactly(
                        new Event(EMAIL, "suppressed", "550 no such user", Routing.ADDRESS),
                        new Event(EMAIL, "failed", "email: 550 no such user"));
        assertThat(step.deadLetter()).isTrue();
    }

    @Test
    void aProviderReportMovesASentMessageOnceAndNeverUndoesAFact() {
        var sent = new DeliveryState(
                DeliveryStatus.SENT, 0, 1, null, null, List.of(), "sms", "+14155550123", "SM1", null, null);

        Step delivered = DeliveryTransitions.providerReported(sent, SMS, true, null);

        assertThat(delivered.events()).containsExactly(new Event(SMS, "delivered", null));
        assertThat(DeliveryTransitions.providerReported(delivered.state(), SMS, true, null))
                .isNull();
        assertThat(DeliveryTransitions.providerReported(delivered.state(), SMS, false, "provider error 30003"))
                .isNull();
    }

    @Test
    void aDeliveryThatCannotBePreparedFailsAndIsDeadLetteredReportedOnlyWhenItsRequestReads() {
        assertThat(DeliveryTransitions.unpreparable(pending(), EMAIL_THEN_IN_APP, "template missing")
                        .events())
                .containsExactly(new Event(EMAIL, "failed", "cannot be prepared: template missing"));
        Step unreadable = DeliveryTransitions.unpreparable(pending(), null, "not JSON");

        assertThat(unreadable.events()).isEmpty();
        assertThat(unreadable.state().lastError()).isEqualTo("cannot be prepared: not JSON");
        assertThat(unreadable.deadLetter()).isTrue();
    }
}
