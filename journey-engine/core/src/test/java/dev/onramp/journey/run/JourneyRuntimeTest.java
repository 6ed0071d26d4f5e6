package dev.onramp.journey.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.run.Decision.Kind;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JourneyRuntimeTest {

    static final Instant MONDAY_9AM_PARIS = Instant.parse("2026-03-02T08:00:00Z");

    static final String ONBOARDING = """
            journey: onboarding
            trigger:
              event: Signed Up
              where: user.traits.role != "guest"
            steps:
              - id: set-display-name
                done_when: { event: Profile Updated, where: event.properties.field == "display_name" }
                nudge: { after: 10m, channel: in_app, template: set-display-name }
              - id: create-channel
                done_when: { event: Channel Created }
                nudge: { after: 1h, channel: in_app, template: create-channel }
                remind:
                  - { after: 1d, channel: email, template: create-channel-reminder }
              - id: invite-teammate
                done_when: { event: Teammate Invited }
                nudge: { after: 2h, channel: email, fallback: [in_app], template: invite-teammate }
                remind:
                  - { after: 3d, channel: sms, template: invite-teammate-sms, where: has(user.traits.phone) }
            exit: { event: Workspace Deleted }
            goal: { event: Message Sent, where: event.properties.count >= 10, within: 14d }
            quiet_hours: { from: "21:00", to: "08:00" }
            """;

    static Duration m(long minutes) {
        return Duration.ofMinutes(minutes);
    }

    static Sim user(String... journeys) {
        Sim sim = new Sim("u-1", MONDAY_9AM_PARIS, journeys.length == 0 ? new String[] {ONBOARDING} : journeys);
        sim.identify(Duration.ZERO, Map.of("email", "ada@example.com", "timezone", "Europe/Paris"));
        return sim;
    }

    @Nested
    class NextClearStep {

        @Test
        void nudgesOnlyTheNextStepAfterThePreviousIsDone() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(4), "Profile Updated", Map.of("field", "display_name"))
                    .advance(Duration.ofHours(3));

            // create-channel became next at 4m; its nudge is due 1h later. Nothing for set-display-name.
            assertThat(sim.timeline()).containsExactly("create-channel/nudge/in_app@1h4m");
        }

        @Test
        void doesNotCountADoneEventWhoseConditionIsFalse() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(4), "Profile Updated", Map.of("field", "avatar"))
                    .advance(m(30));

            assertThat(sim.timeline()).containsExactly("set-display-name/nudge/in_app@10m");
        }

        @Test
        void skipsOverStepsDoneOutOfOrder() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Channel Created")
                    .track(m(2), "Profile Updated", Map.of("field", "display_name"))
                    .advance(Duration.ofHours(3));

            // create-channel was done before it was next; invite-teammate is next from 2m, nudged 2h later by email.
            assertThat(sim.timeline()).containsExactly("invite-teammate/nudge/email@2h2m");
        }

        @Test
        void remindsAfterThePreviousMessageAndCancelsWhenTheStepGetsDone() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"))
                    .advance(Duration.ofDays(3));

            // nudge at 1h1m, reminder one day after the nudge was sent: 1d1h1m.
            assertThat(sim.timeline())
                    .containsExactly("create-channel/nudge/in_app@1h1m", "create-channel/reminder/email@1d1h1m");

            Sim done = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"))
                    .track(Duration.ofHours(5), "Channel Created")
                    .advance(Duration.ofDays(2));
            assertThat(done.timeline())
                    .containsExactly("create-channel/nudge/in_app@1h1m", "invite-teammate/nudge/email@7h");
        }

        @Test
        void completesWhenEveryStepIsDoneAndSendsNothingMore() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Teammate Invited")
                    .track(m(2), "Channel Created")
                    .track(m(3), "Profile Updated", Map.of("field", "display_name"))
                    .advance(Duration.ofDays(10));

            assertThat(sim.timeline()).isEmpty();
            assertThat(sim.enrollment("onboarding").status()).isEqualTo(Enrollment.Status.COMPLETED);
            assertThat(sim.decisions(Kind.COMPLETED)).hasSize(1);
        }

        @Test
        void enrollsOnceByDefault() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Signed Up")
                    .advance(m(15));

            assertThat(sim.state.enrollments()).hasSize(1);
            assertThat(sim.timeline()).containsExactly("set-display-name/nudge/in_app@10m");
        }

        @Test
        void doesNotEnrollWhenTheTriggerConditionIsFalse() {
            Sim sim = new Sim("g-1", MONDAY_9AM_PARIS, ONBOARDING)
                    .identify(Duration.ZERO, Map.of("role", "guest"))
                    .track(Duration.ZERO, "Signed Up")
                    .advance(Duration.ofDays(1));

            assertThat(sim.state.enrollments()).isEmpty();
            assertThat(sim.decisions(Kind.NOT_ENROLLED)).singleElement().satisfies(d -> assertThat(d.detail())
                    .contains("user.traits.role != \"guest\""));
        }
    }

    @Nested
    class Conditions {

        @Test
        void readsAnAbsentTraitAsNullSoNaturalConditionsHold() {
            // No role trait at all: role != "guest" holds, so the user is enrolled.
            Sim sim = new Sim("u-2", MONDAY_9AM_PARIS, ONBOARDING).track(Duration.ZERO, "Signed Up");

            assertThat(sim.state.enrollments()).hasSize(1);
        }

        @Test
        void skipsAReminderWhoseConditionIsFalseAndCarriesOn() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"))
                    .track(m(2), "Channel Created")
                    .advance(Duration.ofDays(5));

            // No phone trait: the SMS reminder is skipped, with the reason logged.
            assertThat(sim.timeline()).containsExactly("invite-teammate/nudge/email@2h2m");
            assertThat(sim.decisions(Kind.MESSAGE_SKIPPED)).singleElement().satisfies(d -> assertThat(d.detail())
                    .contains("has(user.traits.phone)"));
        }

        @Test
        void startsAStepDoneWhenItsDoneIfHoldsAtEnrollment() {
            Sim sim = user("""
                    journey: profile
                    trigger: { event: Signed Up }
                    steps:
                      - id: add-photo
                        done_when: { event: Photo Added }
                        done_if: has(user.traits.avatar)
                        nudge: { after: 5m, channel: in_app, template: add-photo }
                      - id: add-bio
                        done_when: { event: Bio Added }
                        nudge: { after: 5m, channel: in_app, template: add-bio }
                    """)
                    .identify(m(0), Map.of("avatar", "https://example.com/a.png"))
                    .track(m(1), "Signed Up")
                    .advance(m(30));

            assertThat(sim.timeline()).containsExactly("add-bio/nudge/in_app@6m");
        }

        @Test
        void treatsAConditionThatCannotBeEvaluatedAsFalseAndSaysWhy() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Message Sent", Map.of("count", "many"))
                    .advance(m(5));

            assertThat(sim.enrollment("onboarding").convertedAt()).isNull();
            assertThat(sim.decisions(Kind.CONDITION_FAILED)).singleElement().satisfies(d -> assertThat(d.detail())
                    .startsWith("goal condition could not be evaluated"));
        }
    }

    @Nested
    class Time {

        @Test
        void waitsForTheMorningBeforeAnEmail() {
            // New York, 19:30: invite-teammate becomes next at 19:32 and is due at 21:32, inside quiet hours.
            Instant evening = Instant.parse("2026-03-03T00:30:00Z");
            Sim sim = new Sim("u-3", evening, ONBOARDING)
                    .identify(Duration.ZERO, Map.of("email", "bo@example.com", "timezone", "America/New_York"))
                    .track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"))
                    .track(m(2), "Channel Created")
                    .advance(Duration.ofDays(1));

            MessageRequest email = sim.sent.getFirst();
            assertThat(email.step()).isEqualTo("invite-teammate");
            assertThat(email.createdAt()).isEqualTo(Instant.parse("2026-03-03T13:00:00Z")); // 08:00 in New York
            assertThat(sim.decisions(Kind.MESSAGE_DEFERRED)).singleElement().satisfies(d -> assertThat(d.detail())
                    .contains("quiet hours"));
        }

        @Test
        void quietHoursFollowTheUsersClockAcrossADaylightSavingChange() {
            // The night of 7 to 8 March 2026, New York moves from EST (UTC-5) to EDT (UTC-4) at 02:00.
            Instant saturdayEvening = Instant.parse("2026-03-08T02:00:00Z"); // 21:00 EST on the 7th
            Sim sim = new Sim("u-4", saturdayEvening, ONBOARDING)
                    .identify(Duration.ZERO, Map.of("email", "cy@example.com", "timezone", "America/New_York"))
                    .track(Duration.ZERO, "Signed Up")
                    .track(Duration.ZERO, "Profile Updated", Map.of("field", "display_name"))
                    .track(Duration.ZERO, "Channel Created")
                    .advance(Duration.ofDays(1));

            // 08:00 EDT is 12:00 UTC: only 10 hours of elapsed time after 21:00 EST, not 11.
            assertThat(sim.sent.getFirst().createdAt()).isEqualTo(Instant.parse("2026-03-08T12:00:00Z"));
        }

        @Test
        void doesNotHoldBackInAppMessagesDuringQuietHours() {
            Instant midnightParis = Instant.parse("2026-03-02T23:00:00Z");
            Sim sim = new Sim("u-5", midnightParis, ONBOARDING)
                    .identify(Duration.ZERO, Map.of("timezone", "Europe/Paris"))
                    .track(Duration.ZERO, "Signed Up")
                    .advance(m(20));

            assertThat(sim.timeline()).containsExactly("set-display-name/nudge/in_app@10m");
        }

        @Test
        void usesTheJourneysZoneForUsersWithoutOne() {
            Sim sim = new Sim("u-6", Instant.parse("2026-03-02T21:30:00Z"), """
                    journey: tokyo
                    timezone: Asia/Tokyo
                    trigger: { event: Signed Up }
                    quiet_hours: { from: "22:00", to: "07:00" }
                    steps:
                      - id: verify
                        done_when: { event: Verified }
                        nudge: { after: 0s, channel: email, template: verify }
                    """)
                    .identify(Duration.ZERO, Map.of("email", "d@example.com"))
                    .track(Duration.ZERO, "Signed Up")
                    .advance(Duration.ofDays(1));

            // 21:30 UTC is 06:30 in Tokyo: quiet until 07:00 Tokyo, 22:00 UTC.
            assertThat(sim.sent.getFirst().createdAt()).isEqualTo(Instant.parse("2026-03-02T22:00:00Z"));
        }
    }

    @Nested
    class Channels {

        @Test
        void fallsBackWhenTheUserHasNoEmail() {
            Sim sim = new Sim("u-7", MONDAY_9AM_PARIS, ONBOARDING)
                    .track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"))
                    .track(m(2), "Channel Created")
                    .advance(Duration.ofHours(3));

            assertThat(sim.timeline()).containsExactly("invite-teammate/nudge/in_app@2h2m");
            assertThat(sim.decisions(Kind.MESSAGE_SENT).getLast().detail()).contains("email (no email trait)");
        }

        @Test
        void stopsEmailingAUserWhoUnsubscribed() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"))
                    .deliveryReport(m(2), emailPreference("unsubscribed"))
                    .advance(Duration.ofDays(2));

            // The create-channel reminder goes by email only: skipped, not sent.
            assertThat(sim.timeline()).containsExactly("create-channel/nudge/in_app@1h1m");
            assertThat(sim.decisions(Kind.MESSAGE_SKIPPED).getFirst().detail()).contains("email (unsubscribed)");
        }

        @Test
        void emailsAgainAUserWhoSubscribedAgain() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"))
                    .deliveryReport(m(2), emailPreference("unsubscribed"))
                    .deliveryReport(m(3), emailPreference("subscribed"))
                    .advance(Duration.ofDays(2));

            assertThat(sim.decisions(Kind.MESSAGE_SKIPPED)).isEmpty();
            assertThat(sim.timeline())
                    .contains("create-channel/nudge/in_app@1h1m")
                    .hasSize(2);
            assertThat(sim.sent.getLast().channel()).isEqualTo(Channel.EMAIL);
        }

        @Test
        void subscribingAgainNeverLiftsASuppression() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"))
                    .deliveryReport(
                            m(2),
                            new DeliveryReport(
                                    "bounced",
                                    "onboarding",
                                    null,
                                    Channel.EMAIL,
                                    "suppressed",
                                    "550 no such user",
                                    null))
                    .deliveryReport(m(3), emailPreference("unsubscribed"))
                    .deliveryReport(m(4), emailPreference("subscribed"))
                    .advance(Duration.ofDays(2));

            assertThat(sim.state.profile().blocked()).containsEntry("email", "suppressed: 550 no such user");
            assertThat(sim.decisions(Kind.MESSAGE_SKIPPED).getFirst().detail()).contains("550 no such user");
        }

        @Test
        void aChannelHeldBackByAnUnsubscribeIsNotASuppressedAddress() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .deliveryReport(m(2), emailPreference("unsubscribed"))
                    .deliveryReport(
                            m(3),
                            new DeliveryReport(
                                    "held",
                                    "onboarding",
                                    "create-channel",
                                    Channel.EMAIL,
                                    "suppressed",
                                    "the user unsubscribed from all messages by email",
                                    null,
                                    "unsubscribed",
                                    null))
                    .deliveryReport(m(4), emailPreference("subscribed"));

            assertThat(sim.state.profile().blocked()).doesNotContainKey("email");
        }

        @Test
        void subscribingAgainLiftsAnUnsubscribeStoredAsASuppressionBeforeEventsSaidTheirCause() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .deliveryReport(m(2), emailPreference("unsubscribed"))
                    .deliveryReport(
                            m(3),
                            new DeliveryReport(
                                    "held",
                                    "onboarding",
                                    "create-channel",
                                    Channel.EMAIL,
                                    "suppressed",
                                    "the user unsubscribed from all messages by email",
                                    null));
            assertThat(sim.state.profile().blocked())
                    .containsEntry("email", "suppressed: the user unsubscribed from all messages by email");

            sim.deliveryReport(m(4), emailPreference("subscribed"));

            assertThat(sim.state.profile().blocked()).doesNotContainKey("email");
        }

        @Test
        void keepsDeliveryFactsMonotoneSoALateDeliveredNeverUndoesARead() {
            Sim sim = user().track(Duration.ZERO, "Signed Up").advance(m(10));
            String nudge = sim.sent.getFirst().messageId();

            sim.deliveryReport(m(11), report(nudge, "read")).deliveryReport(m(12), report(nudge, "delivered"));

            assertThat(sim.state.enrollments().getFirst().sent().getFirst().status())
                    .isEqualTo("read");
            assertThat(sim.decisions(Kind.DELIVERY)).hasSize(2); // both reports are in the log, as they came
        }

        @Test
        void aChannelPassedOverAsSuppressedDoesNotHideTheFallbacksDelivery() {
            Sim sim = user().track(Duration.ZERO, "Signed Up").advance(m(10));
            String nudge = sim.sent.getFirst().messageId();

            sim.deliveryReport(m(11), report(nudge, "suppressed")).deliveryReport(m(11), report(nudge, "delivered"));

            assertThat(sim.state.enrollments().getFirst().sent().getFirst().status())
                    .isEqualTo("delivered");
        }

        static DeliveryReport report(String messageId, String status) {
            return new DeliveryReport(messageId, "onboarding", "set-display-name", Channel.IN_APP, status, null, null);
        }

        /** The user turning email off or on altogether, from the preference page. */
        static DeliveryReport emailPreference(String status) {
            return new DeliveryReport(
                    "pref-" + status, "onboarding", null, Channel.EMAIL, status, null, DeliveryReport.Scope.CHANNEL);
        }

        @Test
        void capsMessagesPerChannelAcrossJourneys() {
            String second = """
                    journey: tips
                    trigger: { event: Signed Up }
                    steps:
                      - id: tip
                        done_when: { event: Tip Read }
                        nudge: { after: 15m, channel: in_app, template: tip }
                    """;
            EngineSettings oneInAppPerHour = new EngineSettings(
                    ZoneId.of("UTC"), Map.of(Channel.IN_APP, List.of(new Cap(1, Duration.ofHours(1)))), 1);
            Sim sim = new Sim("u-8", MONDAY_9AM_PARIS, oneInAppPerHour, ONBOARDING, second)
                    .track(Duration.ZERO, "Signed Up")
                    .advance(Duration.ofHours(2));

            assertThat(sim.timeline()).containsExactly("set-display-name/nudge/in_app@10m", "tip/nudge/in_app@1h10m");
        }
    }

    @Nested
    class Lifecycle {

        @Test
        void exitCancelsWhateverIsPending() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(5), "Workspace Deleted")
                    .advance(Duration.ofDays(5));

            assertThat(sim.timeline()).isEmpty();
            assertThat(sim.enrollment("onboarding").status()).isEqualTo(Enrollment.Status.EXITED);
        }

        @Test
        void reentersAfterAnExitOnlyWhenTheJourneyAllowsIt() {
            String again = ONBOARDING.replace("quiet_hours:", "reentry: after_exit\nquiet_hours:");
            Sim sim = user(again)
                    .track(Duration.ZERO, "Signed Up")
                    .track(m(5), "Workspace Deleted")
                    .track(m(6), "Signed Up")
                    .advance(m(30));

            assertThat(sim.state.enrollments()).extracting(Enrollment::cycle).containsExactly(1, 2);
            assertThat(sim.timeline()).containsExactly("set-display-name/nudge/in_app@16m");
            assertThat(sim.sent.getFirst().messageId())
                    .isNotEqualTo(MessageIds.of(
                            "onboarding",
                            1,
                            "u-1",
                            1,
                            "set-display-name",
                            dev.onramp.journey.model.MessageKind.NUDGE,
                            0));

            Sim never = user().track(Duration.ZERO, "Signed Up")
                    .track(m(5), "Workspace Deleted")
                    .track(m(6), "Signed Up");
            assertThat(never.state.enrollments()).hasSize(1);
        }

        @Test
        void countsAConversionWithinTheGoalWindowOnly() {
            Sim within = user().track(Duration.ZERO, "Signed Up")
                    .track(Duration.ofDays(13), "Message Sent", Map.of("count", 12));
            assertThat(within.enrollment("onboarding").convertedAt()).isNotNull();

            Sim late = user().track(Duration.ZERO, "Signed Up")
                    .track(Duration.ofDays(15), "Message Sent", Map.of("count", 12));
            assertThat(late.enrollment("onboarding").convertedAt()).isNull();
        }

        @Test
        void tracksHoldoutUsersButNeverMessagesThem() {
            String allHeldOut = ONBOARDING.replace("quiet_hours:", "holdout: 99.999%\nquiet_hours:");
            Sim sim = user(allHeldOut)
                    .track(Duration.ZERO, "Signed Up")
                    .track(m(20), "Profile Updated", Map.of("field", "display_name"))
                    .track(Duration.ofDays(1), "Message Sent", Map.of("count", 10))
                    .advance(Duration.ofDays(10));

            assertThat(sim.sent).isEmpty();
            assertThat(sim.enrollment("onboarding").holdout()).isTrue();
            assertThat(sim.decisions(Kind.MESSAGE_HELD_OUT)).isNotEmpty();
            assertThat(sim.enrollment("onboarding").convertedAt()).isNotNull();
            assertThat(sim.enrollment("onboarding").done()).containsKey("set-display-name");
        }

        @Test
        void assignsHoldoutByAStableHashAtRoughlyTheConfiguredShare() {
            int held = 0;
            for (int i = 0; i < 10_000; i++) {
                if (Holdout.isHeldOut("onboarding", "user-" + i, 10)) {
                    held++;
                }
            }
            assertThat(held).isBetween(900, 1100);
        }

        /**
         * Pinned values: a change to the hash would move users between treatment and holdout in production, mixing the
         * two groups of every running experiment. These are SHA-256 of "journey\0user", first 53 bits.
         */
        @Test
        void keepsEveryUsersHoldoutBucketExactlyAsItWas() {
            assertThat(Holdout.bucket("onboarding", "user-42")).isEqualTo(0.9134996800420697);
            assertThat(Holdout.bucket("billing", "user-42")).isEqualTo(0.8781859983619573);
            assertThat(Holdout.bucket("onboarding", "user-2")).isEqualTo(0.056138871032756055);
            assertThat(Holdout.isHeldOut("onboarding", "user-2", 10)).isTrue();
            assertThat(Holdout.isHeldOut("onboarding", "user-42", 10)).isFalse();
        }
    }

    @Nested
    class Changes {

        @Test
        void followsAJourneyEditedMidFlightByStepId() {
            Sim sim = user().track(Duration.ZERO, "Signed Up")
                    .track(m(1), "Profile Updated", Map.of("field", "display_name"));

            // Before create-channel's nudge (due 1h1m), a step is inserted before it.
            sim.load(ONBOARDING.replace("""
                      - id: create-channel
                    """, """
                      - id: upload-avatar
                        done_when: { event: Avatar Uploaded }
                        nudge: { after: 30m, channel: in_app, template: upload-avatar }
                      - id: create-channel
                    """));
            sim.advance(Duration.ofHours(3));

            // At 1h1m the engine finds upload-avatar is now the next step: it becomes current then, nudged 30m later.
            assertThat(sim.timeline()).containsExactly("upload-avatar/nudge/in_app@1h31m");
            assertThat(sim.sent.getFirst().journeyVersion()).isEqualTo(2);
        }

        @Test
        void exitsUsersOfAJourneyThatWasRemoved() {
            Sim sim = user().track(Duration.ZERO, "Signed Up");
            sim.load("""
                    journey: other
                    trigger: { event: Other }
                    steps:
                      - { id: a, done_when: { event: A } }
                    """);
            sim.advance(Duration.ofHours(1));

            assertThat(sim.sent).isEmpty();
            assertThat(sim.enrollment("onboarding").status()).isEqualTo(Enrollment.Status.EXITED);
        }
    }

    @Test
    void givesTheSameMessageIdToTheSameDecision() {
        Sim first = user().track(Duration.ZERO, "Signed Up").advance(m(20));
        Sim second = user().track(Duration.ZERO, "Signed Up").advance(m(20));

        assertThat(first.sent.getFirst().messageId())
                .isEqualTo(second.sent.getFirst().messageId());
    }
}
