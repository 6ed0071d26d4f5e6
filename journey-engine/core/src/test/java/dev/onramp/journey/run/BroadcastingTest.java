package dev.onramp.journey.run;

import static dev.onramp.journey.model.Channel.EMAIL;
import static dev.onramp.journey.model.Channel.IN_APP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.QuietHours;
import dev.onramp.journey.run.SendPolicy.Category;
import dev.onramp.journey.run.SendPolicy.Priority;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A broadcast's message to one user, through the same send rules as a journey's: one state in, one result out. */
class BroadcastingTest {

    static final Instant NOON = Instant.parse("2026-03-02T12:00:00Z");
    static final Instant NIGHT_IN_PARIS = Instant.parse("2026-03-02T22:00:00Z");
    static final Broadcasting ONE_EMAIL_A_DAY = new Broadcasting(
            new EngineSettings(ZoneId.of("UTC"), Map.of(EMAIL, List.of(new Cap(1, Duration.ofDays(1)))), 1));
    static final Optional<QuietHours> QUIET = Optional.of(new QuietHours(LocalTime.of(21, 0), LocalTime.of(8, 0)));

    static Broadcast broadcast(Priority priority, Category category, Channel... channels) {
        return new Broadcast(
                "b-1",
                "Outage",
                List.of(channels),
                "outage",
                Map.of(),
                priority,
                category,
                QUIET,
                null,
                null,
                null,
                false);
    }

    static UserState ada(Map<String, String> blocked, Profile.Sent... recent) {
        return new UserState(
                new Profile(
                        "ada",
                        Map.of("email", "ada@example.com", "timezone", "Europe/Paris", "locale", "fr"),
                        blocked,
                        List.of(recent)),
                List.of());
    }

    @Test
    void sendsOnceByTheFirstChannelThatReachesTheUserAndCountsTheSendTowardTheirCaps() {
        var result = ONE_EMAIL_A_DAY.deliver(
                ada(Map.of()), broadcast(Priority.PRODUCT, Category.PRODUCT, EMAIL, IN_APP), NOON);

        var sent = (Broadcasting.Sent) result;
        assertThat(sent.channel()).isEqualTo(EMAIL);
        assertThat(sent.messageId()).isEqualTo(MessageIds.ofBroadcast("b-1", "ada"));
        MessageRequest m = sent.outcome().messages().getFirst();
        assertThat(m.origin()).isEqualTo(MessageRequest.Origin.BROADCAST);
        assertThat(m.broadcast()).isEqualTo("b-1");
        assertThat(m.journey()).isNull();
        assertThat(m.fallbackChannels()).containsExactly(IN_APP);
        assertThat(m.locale()).isEqualTo("fr");
        assertThat(sent.outcome().state().profile().recent()).containsExactly(new Profile.Sent(EMAIL, NOON));
        assertThat(sent.outcome().decisions().getFirst().journey()).isEqualTo("broadcast:b-1");
    }

    @Test
    void anIncidentsMessageTellsWhenTheNextUpdateComesOnTheRecipientsClock() {
        Broadcast update = new Broadcast(
                "b-2",
                "Update",
                List.of(EMAIL),
                "outage",
                Map.of(),
                Priority.URGENT,
                Category.PRODUCT,
                QUIET,
                null,
                "inc-42",
                Instant.parse("2026-03-02T13:00:00Z"),
                false);

        MessageRequest m = ONE_EMAIL_A_DAY
                .deliver(ada(Map.of()), update, NOON)
                .outcome()
                .messages()
                .getFirst();

        assertThat(m.origin()).isEqualTo(MessageRequest.Origin.INCIDENT);
        assertThat(m.context())
                .containsEntry("incident", "inc-42")
                .containsEntry("nextUpdateBy", "2026-03-02T13:00:00Z")
                .containsEntry("nextUpdateAt", "14:00 CET");
    }

    @Test
    void aJourneysEmailTodayHoldsAProductBroadcastByTheCapButNotAnUrgentOne() {
        UserState mailedToday = ada(Map.of(), new Profile.Sent(EMAIL, NOON.minus(Duration.ofHours(1))));

        var product = ONE_EMAIL_A_DAY.deliver(mailedToday, broadcast(Priority.PRODUCT, Category.PRODUCT, EMAIL), NOON);
        var urgent = ONE_EMAIL_A_DAY.deliver(mailedToday, broadcast(Priority.URGENT, Category.PRODUCT, EMAIL), NOON);

        assertThat(product).isInstanceOf(Broadcasting.Deferred.class);
        assertThat(((Broadcasting.Deferred) product).until()).isEqualTo(NOON.plus(Duration.ofHours(23)));
        assertThat(((Broadcasting.Deferred) product).reason()).contains("frequency cap");
        assertThat(urgent).isInstanceOf(Broadcasting.Sent.class);
    }

    @Test
    void quietHoursAreTheRecipientsOwnAndOnlyUrgentPassesThem() {
        // 23:00 in Paris, the user's time zone: inside 21:00–08:00.
        var marketing = ONE_EMAIL_A_DAY.deliver(
                ada(Map.of()), broadcast(Priority.MARKETING, Category.MARKETING, EMAIL), NIGHT_IN_PARIS);
        var urgent = ONE_EMAIL_A_DAY.deliver(
                ada(Map.of()), broadcast(Priority.URGENT, Category.SECURITY, EMAIL), NIGHT_IN_PARIS);

        assertThat(((Broadcasting.Deferred) marketing).until()).isEqualTo(Instant.parse("2026-03-03T07:00:00Z"));
        assertThat(((Broadcasting.Deferred) marketing).reason())
                .contains("quiet hours")
                .contains("Europe/Paris");
        assertThat(urgent).isInstanceOf(Broadcasting.Sent.class);
    }

    @Test
    void aSecurityNoticePassesAnUnsubscribeButNeverASuppression() {
        var unsubscribed = ONE_EMAIL_A_DAY.deliver(
                ada(Map.of("email", "unsubscribed")), broadcast(Priority.URGENT, Category.SECURITY, EMAIL), NOON);
        var bounced = ONE_EMAIL_A_DAY.deliver(
                ada(Map.of("email", "suppressed: bounced")),
                broadcast(Priority.URGENT, Category.SECURITY, EMAIL),
                NOON);
        var marketing = ONE_EMAIL_A_DAY.deliver(
                ada(Map.of("email", "unsubscribed")), broadcast(Priority.URGENT, Category.MARKETING, EMAIL), NOON);

        assertThat(unsubscribed).isInstanceOf(Broadcasting.Sent.class);
        assertThat(((Broadcasting.Skipped) bounced).reason())
                .isEqualTo("no channel reaches the user: email (suppressed: bounced)");
        assertThat(((Broadcasting.Skipped) marketing).reason())
                .isEqualTo("no channel reaches the user: email (unsubscribed)");
        assertThat(marketing.outcome().messages()).isEmpty();
        assertThat(marketing.outcome().state()).isEqualTo(ada(Map.of("email", "unsubscribed")));
    }

    @Test
    void inlineContentGoesInTheRecipientsLocaleAndNamesNoTemplate() {
        Broadcast.Content email = new Broadcast.Content(
                Map.of("subject", "We are down", "body", "<p>Sorry.</p>"),
                Map.of("fr", Map.of("subject", "Nous sommes en panne", "body", "<p>Pardon.</p>")));
        Broadcast inline = new Broadcast(
                "b-3",
                "Outage",
                List.of(EMAIL),
                null,
                Map.of(EMAIL, email),
                Priority.URGENT,
                Category.PRODUCT,
                QUIET,
                null,
                null,
                null,
                false);

        Broadcasting.Sent sent = (Broadcasting.Sent) ONE_EMAIL_A_DAY.deliver(ada(Map.of()), inline, NOON);
        MessageRequest m = sent.outcome().messages().getFirst();

        assertThat(m.template()).isNull();
        assertThat(m.content()).containsOnlyKeys(EMAIL);
        assertThat(m.content().get(EMAIL)).containsEntry("subject", "Nous sommes en panne");
        assertThat(sent.outcome().decisions().getFirst().detail()).contains("(inline)");
        assertThat(email.forLocale("fr-CA")).containsEntry("body", "<p>Pardon.</p>");
        assertThat(email.forLocale("de")).containsEntry("subject", "We are down");
    }
}
