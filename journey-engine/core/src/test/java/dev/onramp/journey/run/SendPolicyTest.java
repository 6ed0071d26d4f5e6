package dev.onramp.journey.run;

import static dev.onramp.journey.model.Channel.EMAIL;
import static dev.onramp.journey.model.Channel.IN_APP;
import static dev.onramp.journey.model.Channel.SMS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.QuietHours;
import dev.onramp.journey.run.SendPolicy.Ask;
import dev.onramp.journey.run.SendPolicy.Category;
import dev.onramp.journey.run.SendPolicy.Defer;
import dev.onramp.journey.run.SendPolicy.HoldOut;
import dev.onramp.journey.run.SendPolicy.Priority;
import dev.onramp.journey.run.SendPolicy.Recipient;
import dev.onramp.journey.run.SendPolicy.Send;
import dev.onramp.journey.run.SendPolicy.Skip;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The send rules alone: one ask, one recipient, one instant, one verdict. */
class SendPolicyTest {

    static final Instant NIGHT_IN_PARIS = Instant.parse("2026-03-02T22:00:00Z"); // 23:00 in Paris
    static final Instant DAY_IN_PARIS = Instant.parse("2026-03-02T10:00:00Z");
    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    static final Optional<QuietHours> QUIET = Optional.of(new QuietHours(LocalTime.of(21, 0), LocalTime.of(8, 0)));
    static final Map<String, Object> ADA = Map.of("email", "ada@example.com");

    static final SendPolicy ONE_EMAIL_A_DAY = new SendPolicy(
            new EngineSettings(ZoneId.of("UTC"), Map.of(EMAIL, List.of(new Cap(1, Duration.ofDays(1)))), 1));

    static Ask ask(Priority priority, Category category, Channel... channels) {
        return new Ask(List.of(channels), priority, category, "onboarding", false, QUIET, PARIS);
    }

    static Recipient ada(Map<String, String> blocked, Profile.Sent... recent) {
        return new Recipient(ADA, blocked, List.of(recent));
    }

    @Test
    void sendsByTheFirstChannelThatReachesTheUserAndKeepsTheReachableRestAsFallbacks() {
        var verdict = ONE_EMAIL_A_DAY.decide(
                ask(Priority.PRODUCT, Category.PRODUCT, SMS, EMAIL, IN_APP), ada(Map.of()), DAY_IN_PARIS);

        assertThat(verdict).isEqualTo(new Send(EMAIL, List.of(IN_APP), List.of("sms (no phone trait)")));
    }

    @Test
    void skipsWhenNoChannelReachesTheUserAndSaysWhyForEach() {
        var verdict = ONE_EMAIL_A_DAY.decide(
                ask(Priority.URGENT, Category.PRODUCT, SMS, EMAIL),
                ada(Map.of("email", "suppressed: bounced")),
                DAY_IN_PARIS);

        assertThat(verdict)
                .isEqualTo(new Skip("no channel reaches the user: sms (no phone trait), email (suppressed: bounced)"));
    }

    @Test
    void productAndMarketingWaitForTheEndOfQuietHours() {
        for (Priority priority : List.of(Priority.PRODUCT, Priority.MARKETING)) {
            var verdict = ONE_EMAIL_A_DAY.decide(ask(priority, Category.PRODUCT, EMAIL), ada(Map.of()), NIGHT_IN_PARIS);

            assertThat(verdict).isInstanceOf(Defer.class);
            assertThat(((Defer) verdict).until()).isEqualTo(Instant.parse("2026-03-03T07:00:00Z"));
        }
    }

    @Test
    void urgentPassesQuietHoursAndCaps() {
        var sentAnHourAgo = new Profile.Sent(EMAIL, NIGHT_IN_PARIS.minus(Duration.ofHours(1)));

        var verdict = ONE_EMAIL_A_DAY.decide(
                ask(Priority.URGENT, Category.PRODUCT, EMAIL), ada(Map.of(), sentAnHourAgo), NIGHT_IN_PARIS);

        assertThat(verdict).isEqualTo(new Send(EMAIL, List.of(), List.of()));
    }

    @Test
    void aFullCapDefersUntilItsOldestCountedSendLeavesTheWindow() {
        var sentAnHourAgo = new Profile.Sent(EMAIL, DAY_IN_PARIS.minus(Duration.ofHours(1)));

        var verdict = ONE_EMAIL_A_DAY.decide(
                ask(Priority.PRODUCT, Category.PRODUCT, EMAIL), ada(Map.of(), sentAnHourAgo), DAY_IN_PARIS);

        assertThat(verdict)
                .isEqualTo(new Defer(
                        EMAIL,
                        DAY_IN_PARIS.plus(Duration.ofHours(23)),
                        "waits for the frequency cap until 2026-03-03T09:00:00Z"));
    }

    @Test
    void inAppIgnoresQuietHoursAndCapsOfOtherChannels() {
        var verdict =
                ONE_EMAIL_A_DAY.decide(ask(Priority.PRODUCT, Category.PRODUCT, IN_APP), ada(Map.of()), NIGHT_IN_PARIS);

        assertThat(verdict).isEqualTo(new Send(IN_APP, List.of(), List.of()));
    }

    @Test
    void securityPassesAnUnsubscribeButNeverASuppression() {
        var unsubscribed = ada(Map.of("email", "unsubscribed"));
        var suppressed = ada(Map.of("email", "suppressed: complained"));

        assertThat(ONE_EMAIL_A_DAY.decide(ask(Priority.URGENT, Category.SECURITY, EMAIL), unsubscribed, DAY_IN_PARIS))
                .isInstanceOf(Send.class);
        assertThat(ONE_EMAIL_A_DAY.decide(ask(Priority.URGENT, Category.PRODUCT, EMAIL), unsubscribed, DAY_IN_PARIS))
                .isInstanceOf(Skip.class);
        assertThat(ONE_EMAIL_A_DAY.decide(ask(Priority.URGENT, Category.SECURITY, EMAIL), suppressed, DAY_IN_PARIS))
                .isInstanceOf(Skip.class);
    }

    @Test
    void aJourneyUnsubscribeBlocksOnlyThatJourney() {
        var leftOnboarding = ada(Map.of("email:onboarding", "unsubscribed"));
        var otherJourney =
                new Ask(List.of(EMAIL), Priority.PRODUCT, Category.PRODUCT, "billing", false, Optional.empty(), PARIS);

        assertThat(ONE_EMAIL_A_DAY.decide(ask(Priority.PRODUCT, Category.PRODUCT, EMAIL), leftOnboarding, DAY_IN_PARIS))
                .isInstanceOf(Skip.class);
        assertThat(ONE_EMAIL_A_DAY.decide(otherJourney, leftOnboarding, DAY_IN_PARIS))
                .isInstanceOf(Send.class);
    }

    @Test
    void aHeldOutUserIsNeitherDeferredNorCappedOnlyRecordedAsWouldHaveBeen() {
        var heldOut =
                new Ask(List.of(SMS, EMAIL), Priority.PRODUCT, Category.PRODUCT, "onboarding", true, QUIET, PARIS);

        var verdict = ONE_EMAIL_A_DAY.decide(heldOut, ada(Map.of()), NIGHT_IN_PARIS);

        assertThat(verdict).isEqualTo(new HoldOut(EMAIL, List.of("sms (no phone trait)")));
    }

    @Test
    void anOpenIncidentHoldsAJourneysMessageButNotAnUrgentOneNorABroadcast() {
        var held = ada(Map.of("held:inc-42", "incident inc-42 open since 2026-03-02T09:00:00Z"));

        var nudge = ONE_EMAIL_A_DAY.decide(ask(Priority.PRODUCT, Category.PRODUCT, EMAIL), held, DAY_IN_PARIS);
        var urgent = ONE_EMAIL_A_DAY.decide(ask(Priority.URGENT, Category.PRODUCT, EMAIL), held, DAY_IN_PARIS);
        var broadcast = ONE_EMAIL_A_DAY.decide(
                new Ask(List.of(EMAIL), Priority.PRODUCT, Category.PRODUCT, null, false, QUIET, PARIS),
                held,
                DAY_IN_PARIS);

        assertThat(nudge).isInstanceOf(Defer.class);
        assertThat(((Defer) nudge).until()).isEqualTo(DAY_IN_PARIS.plus(EngineSettings.HOLD_RECHECK));
        assertThat(((Defer) nudge).reason()).startsWith("held: incident inc-42 open since");
        assertThat(urgent).isInstanceOf(Send.class);
        assertThat(broadcast).isInstanceOf(Send.class);
    }

    @Test
    void anUnsubscribeFromACategoryStopsThatCategoryOnThatChannelAndSecurityPassesIt() {
        var blocked = ada(Map.of(SendPolicy.categoryKey(EMAIL, Category.MARKETING), "unsubscribed"));

        // A newsletter's unsubscribe: no more marketing by email, in-app still; product messages still by email.
        assertThat(ONE_EMAIL_A_DAY.decide(
                        ask(Priority.MARKETING, Category.MARKETING, EMAIL, IN_APP), blocked, DAY_IN_PARIS))
                .isEqualTo(new Send(IN_APP, List.of(), List.of("email (unsubscribed from marketing messages)")));
        assertThat(ONE_EMAIL_A_DAY.decide(ask(Priority.PRODUCT, Category.PRODUCT, EMAIL), blocked, DAY_IN_PARIS))
                .isEqualTo(new Send(EMAIL, List.of(), List.of()));
        assertThat(ONE_EMAIL_A_DAY.decide(ask(Priority.URGENT, Category.SECURITY, EMAIL), blocked, DAY_IN_PARIS))
                .isEqualTo(new Send(EMAIL, List.of(), List.of()));
        // The journeys' messages are product messages: an unsubscribe from product stops them too.
        var noProduct = ada(Map.of(SendPolicy.categoryKey(EMAIL, Category.PRODUCT), "unsubscribed"));
        assertThat(ONE_EMAIL_A_DAY.decide(
                        Ask.journey(List.of(EMAIL), "onboarding", false, Optional.empty(), PARIS),
                        noProduct,
                        DAY_IN_PARIS))
                .isEqualTo(new Skip("no channel reaches the user: email (unsubscribed from product messages)"));
    }

    @Test
    void aReportedUnsubscribeFromACategoryBlocksItsOwnKey() {
        var report = new DeliveryReport(
                "pref-1",
                null,
                null,
                EMAIL,
                "unsubscribed",
                null,
                DeliveryReport.Scope.CATEGORY,
                null,
                Category.MARKETING);

        assertThat(report.blockedKey()).isEqualTo("email:category:marketing");
        assertThat(new DeliveryReport(
                                "pref-2", "onboarding", null, EMAIL, "unsubscribed", null, DeliveryReport.Scope.JOURNEY)
                        .blockedKey())
                .isEqualTo("email:onboarding");
    }
}
