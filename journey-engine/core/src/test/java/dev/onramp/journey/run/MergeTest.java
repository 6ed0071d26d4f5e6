package dev.onramp.journey.run;

import static dev.onramp.journey.run.JourneyRuntimeTest.MONDAY_9AM_PARIS;
import static dev.onramp.journey.run.JourneyRuntimeTest.ONBOARDING;
import static dev.onramp.journey.run.JourneyRuntimeTest.m;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.run.Decision.Kind;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An anonymous visitor's profile joined to the user they turn out to be (docs/journeys.md, "One person, one user"). */
class MergeTest {

    static Sim visitor() {
        return new Sim("visitor-1", MONDAY_9AM_PARIS, ONBOARDING);
    }

    static Sim ada() {
        return new Sim("ada", MONDAY_9AM_PARIS, ONBOARDING);
    }

    @Test
    void theUsersTraitsWinTheVisitorsFillInAndEveryOptOutStays() {
        Sim visitor = visitor()
                .identify(Duration.ZERO, Map.of("plan", "free", "referrer", "ads"))
                .deliveryReport(
                        m(1),
                        new DeliveryReport(
                                "m-1", null, null, Channel.SMS, "unsubscribed", null, DeliveryReport.Scope.CHANNEL));
        Sim ada = ada().identify(m(2), Map.of("plan", "team", "email", "ada@example.com"));

        ada.join(m(3), visitor);

        assertThat(ada.state.profile().traits())
                .isEqualTo(Map.of("plan", "team", "email", "ada@example.com", "referrer", "ads"));
        assertThat(ada.state.profile().blockedReason(Channel.SMS, "onboarding")).isEqualTo("unsubscribed");
    }

    @Test
    void theVisitorsJourneyContinuesAsTheUsersAndReachesTheUsersEmail() {
        Sim visitor = visitor()
                .track(Duration.ZERO, "Signed Up")
                .track(m(5), "Profile Updated", Map.of("field", "display_name"));
        Sim ada = ada().identify(m(20), Map.of("email", "ada@example.com", "timezone", "Europe/Paris"));

        Merge merge = ada.join(m(20), visitor);
        ada.track(m(30), "Channel Created").advance(Duration.ofHours(3));

        assertThat(merge.renumbered()).containsExactly(new Merge.Renumbered("visitor-1", "onboarding", 1, 1));
        Enrollment e = ada.enrollment("onboarding");
        assertThat(e.userId()).isEqualTo("ada");
        assertThat(e.done()).containsKeys("set-display-name", "create-channel");
        // invite-teammate is an email nudge: the visitor had no address, the user has.
        assertThat(ada.sent.getLast().userId()).isEqualTo("ada");
        assertThat(ada.timeline()).containsExactly("invite-teammate/nudge/email@2h30m");
        assertThat(ada.log).allSatisfy(d -> assertThat(d.userId()).isEqualTo("ada"));
        assertThat(ada.decisions(Kind.MERGED)).singleElement().satisfies(d -> assertThat(d.detail())
                .isEqualTo("anonymous profile 'visitor-1' joined to this user; 1 enrollment of it moved here"));
    }

    @Test
    void enrollmentsAreNumberedByWhenTheyBeganWithTheContinuingOneLastAndTheirLogFollows() {
        // The visitor tried the product first and left; ada signed up later and is still onboarding.
        Sim visitor = visitor().track(Duration.ZERO, "Signed Up").track(m(1), "Workspace Deleted");
        Sim ada = ada().identify(m(2), Map.of("email", "ada@example.com")).track(m(2), "Signed Up");

        Merge merge = ada.join(m(3), visitor);

        assertThat(ada.state.enrollments())
                .extracting(Enrollment::cycle, Enrollment::status, Enrollment::enrolledAt)
                .containsExactly(
                        tuple(1, Enrollment.Status.EXITED, MONDAY_9AM_PARIS),
                        tuple(2, Enrollment.Status.ACTIVE, MONDAY_9AM_PARIS.plus(m(2))));
        assertThat(merge.renumbered())
                .containsExactlyInAnyOrder(
                        new Merge.Renumbered("visitor-1", "onboarding", 1, 1),
                        new Merge.Renumbered("ada", "onboarding", 1, 2));
        // Relabelled all at once: ada's old cycle 1 became 2 without the visitor's entries (now cycle 1) following it.
        assertThat(ada.decisions(Kind.ENROLLED))
                .extracting(Decision::userId, Decision::cycle, Decision::at)
                .containsExactly(tuple("ada", 1, MONDAY_9AM_PARIS), tuple("ada", 2, MONDAY_9AM_PARIS.plus(m(2))));
        assertThat(ada.decisions(Kind.EXITED)).extracting(Decision::cycle).containsExactly(1);

        // A new Signed Up does not enroll again: the continuing enrollment is still the latest.
        ada.track(m(4), "Signed Up");
        assertThat(ada.state.enrollments()).hasSize(2);
    }

    @Test
    void whenBothAreInTheJourneyTheUsersEnrollmentContinuesWithTheStepsTheVisitorDid() {
        Sim ada = ada().identify(Duration.ZERO, Map.of("email", "ada@example.com"))
                .track(Duration.ZERO, "Signed Up");
        Sim visitor =
                visitor().track(m(1), "Signed Up").track(m(2), "Profile Updated", Map.of("field", "display_name"));

        Merge merge = ada.join(m(3), visitor);
        ada.advance(Duration.ofHours(2));

        assertThat(ada.state.enrollments()).singleElement().satisfies(e -> {
            assertThat(e.cycle()).isEqualTo(1);
            assertThat(e.done()).containsEntry("set-display-name", MONDAY_9AM_PARIS.plus(m(2)));
            assertThat(e.currentStep()).isEqualTo("create-channel");
        });
        assertThat(merge.renumbered()).containsExactly(new Merge.Renumbered("visitor-1", "onboarding", 1, 1));
        // The set-display-name nudge ada was due at 10m is not sent: the visitor had done the step at 2m.
        assertThat(ada.timeline()).containsExactly("create-channel/nudge/in_app@1h3m");
        assertThat(ada.decisions(Kind.MERGED)).singleElement().satisfies(d -> assertThat(d.detail())
                .endsWith("its active enrollment (cycle 1) is folded into this one, which continues, with the"
                        + " steps it had done: set-display-name"));
    }
}
