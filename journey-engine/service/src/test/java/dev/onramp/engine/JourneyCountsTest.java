package dev.onramp.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A journey's figures are kept as events are applied (journey_counts), not counted over the enrollments when asked:
 * after a population that enters, is nudged and reminded, reads, clicks, fails, does steps, converts, exits and joins
 * anonymous visitors to users, the kept counts equal what the enrollments say (computed apart, in SQL, in the same
 * snapshot), the funnel API answers from them, and the Prometheus gauges say the same.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
class JourneyCountsTest {

    static final String TOKEN = "test-admin-token";

    @Test
    void theKeptCountsAreWhatTheEnrollmentsSayWhateverChangedThem() throws Exception {
        // Given 60 users and 4 anonymous visitors who enter, 30% of them held out
        String run = "counts-" + UUID.randomUUID() + "-";
        int users = 60;
        for (int i = 0; i < users; i++) {
            Events.track(run + i, "Counts Started", "{}");
        }
        List<String> visitors = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String anonymousId = run + "visitor-" + i;
            visitors.add(anonymousId);
            Events.send("onramp.events", anonymousId, anonymous(anonymousId, "Counts Started"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> entered(funnel(null, null)) >= users + 4);
        // who are nudged, then reminded a second later
        await().atMost(Duration.ofSeconds(30))
                .until(() -> funnel(null, null).getLong("treatment.steps[0].reminded") > 0);

        // When they do steps, convert and leave, two visitors sign up (and become users), and delivery reports say
        // what became of the messages
        for (int i = 0; i < users; i++) {
            if (i % 2 == 0) {
                Events.track(run + i, "Counts First", "{}");
            }
            if (i % 3 == 0) {
                Events.track(run + i, "Counts Second", "{}");
            }
            if (i % 5 == 0) {
                Events.track(run + i, "Counts Paid", "{}");
            }
            if (i % 7 == 1) {
                Events.track(run + i, "Counts Left", "{}");
            }
        }
        Events.send("onramp.events", visitors.get(0), identify(run + "signed-up-0", visitors.get(0)));
        Events.send("onramp.events", visitors.get(1), identify(run + "signed-up-1", visitors.get(1)));
        String[] statuses = {"delivered", "read", "clicked", "failed", "dismissed"};
        int reported = 0;
        for (String[] message : messages(run)) {
            Events.send("onramp.delivery-events", message[1], """
                    {"messageId":"%s","userId":"%s","journey":"counts","step":"%s","channel":"in_app",\
                    "status":"%s","at":"%s","detail":null}""".formatted(
                            message[0], message[1], message[2], statuses[reported++ % statuses.length], Instant.now()));
        }
        assertThat(reported).isGreaterThan(20);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonPath f = funnel(null, null);
            assertThat(f.getLong("treatment.converted") + f.getLong("holdout.converted"))
                    .isEqualTo(users / 5);
            assertThat(f.getLong("treatment.exited") + f.getLong("holdout.exited"))
                    .isGreaterThan(0);
            assertThat(f.getList("treatment.channels.channel")).contains("in_app");
            assertThat(f.getLong("treatment.channels.find { it.channel == 'in_app' }.failed"))
                    .isGreaterThan(0);
            assertThat(f.getLong("treatment.channels.find { it.channel == 'in_app' }.clicked"))
                    .isGreaterThan(0);
            assertThat(Db.count(
                            "SELECT count(*) FROM engine.profiles WHERE user_id LIKE ? AND merged_into IS NOT NULL",
                            run + "visitor-%"))
                    .isEqualTo(2);
        });

        // Then, in one snapshot, the kept counts are exactly what the enrollments say
        assertThat(kept()).isNotEmpty().isEqualTo(fromEnrollments());

        // and the funnel API answers with them: entered, completed and converted as counted over the enrollments
        JsonPath funnel = funnel(null, null);
        for (String group : new String[] {"treatment", "holdout"}) {
            boolean holdout = group.equals("holdout");
            assertThat(funnel.getLong(group + ".entered"))
                    .isEqualTo(
                            Db.count("SELECT count(*) FROM engine.enrollments WHERE journey = 'counts' AND holdout = "
                                    + holdout));
            assertThat(funnel.getLong(group + ".converted"))
                    .isEqualTo(
                            Db.count("SELECT count(*) FROM engine.enrollments WHERE journey = 'counts' AND holdout = "
                                    + holdout + " AND converted_at IS NOT NULL"));
            assertThat(funnel.getLong(group + ".steps[0].done"))
                    .isEqualTo(
                            Db.count("SELECT count(*) FROM engine.enrollments WHERE journey = 'counts' AND holdout = "
                                    + holdout + " AND done->>'first' IS NOT NULL"));
        }
        assertThat(funnel.getLong("holdout.entered")).isGreaterThan(0);
        assertThat(funnel.getString("treatment.steps[0].medianSecondsToDone")).isNotNull();

        // for the period asked: today's cohort is all of them, tomorrow's is nobody
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertThat(entered(funnel(today.toString(), today.toString()))).isEqualTo(entered(funnel));
        assertThat(entered(funnel(today.plusDays(1).toString(), null))).isZero();
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/journeys/counts/days?from=" + today)
                .then()
                .statusCode(200)
                .body("[0].day", startsWith(today.toString()))
                .body("[0].treatment.entered", org.hamcrest.Matchers.equalTo((int)
                        funnel.getLong("treatment.entered")));
        // and a period that is not one is refused, naming the field
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/journeys/counts/funnel?from=yesterday")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].parameter", equalTo("from"))
                .body("errors[0].detail", startsWith("'yesterday' is not a date"));
        given().auth()
                .oauth2(TOKEN)
                .get("/v1/journeys/counts/funnel?from=2026-02-01&to=2026-01-01")
                .then()
                .statusCode(400)
                .body("errors[0].parameter", equalTo("to"))
                .body("detail", startsWith("to: "));

        // And the Prometheus gauges say what the API says
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath now = funnel(null, null);
            String metrics =
                    given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(gauge(
                            metrics,
                            "onramp_journey_users",
                            "group=\"treatment\",journey=\"counts\",stage=\"entered\""))
                    .isEqualTo(now.getLong("treatment.entered"));
            assertThat(gauge(
                            metrics,
                            "onramp_journey_users",
                            "group=\"holdout\",journey=\"counts\",stage=\"converted\""))
                    .isEqualTo(now.getLong("holdout.converted"));
            assertThat(gauge(
                            metrics,
                            "onramp_journey_step_users",
                            "group=\"treatment\",journey=\"counts\",stage=\"done\",step=\"first\""))
                    .isEqualTo(now.getLong("treatment.steps[0].done"));
            assertThat(gauge(
                            metrics,
                            "onramp_journey_step_done_within",
                            "group=\"treatment\",journey=\"counts\",le=\"+Inf\",step=\"first\""))
                    .isEqualTo(now.getLong("treatment.steps[0].done"));
            assertThat(gauge(
                            metrics,
                            "onramp_journey_messages",
                            "channel=\"in_app\",journey=\"counts\",outcome=\"clicked\""))
                    .isEqualTo(now.getLong("treatment.channels.find { it.channel == 'in_app' }.clicked"));
        });
    }

    /** The kept counts of the journey, summed over shards, without zeros. */
    private static Map<String, Long> kept() throws Exception {
        return rows("""
                SELECT cohort_day, holdout, figure, label, sum(n) FROM engine.journey_counts WHERE journey = 'counts'
                GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0""");
    }

    /** The same, computed over the enrollments as they are. */
    private static Map<String, Long> fromEnrollments() throws Exception {
        return rows("""
                SELECT cohort_day, holdout, figure, label, n FROM engine.journey_counts_from_enrollments()
                WHERE journey = 'counts'""");
    }

    private static Map<String, Long> rows(String sql) throws Exception {
        Map<String, Long> rows = new TreeMap<>();
        try (Connection c = Db.connect();
                var ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.put(
                        rs.getString(1) + " " + rs.getBoolean(2) + " " + rs.getString(3) + " " + rs.getString(4),
                        rs.getLong(5));
            }
        }
        return rows;
    }

    /** Every message sent in the run: id, user, step. */
    private static List<String[]> messages(String run) throws Exception {
        List<String[]> messages = new ArrayList<>();
        try (Connection c = Db.connect();
                var ps = c.prepareStatement("""
                        SELECT m->>'messageId', e.user_id, m->>'step' FROM engine.enrollments e, jsonb_array_elements(e.sent) m
                        WHERE e.journey = 'counts' AND e.user_id LIKE ? AND m->>'status' <> 'held_out'
                        ORDER BY 1""")) {
            ps.setString(1, run + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    messages.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
        }
        return messages;
    }

    private static long gauge(String metrics, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " ([0-9.E]+)$")
                .matcher(metrics);
        assertThat(m.find())
                .as(name + "{" + labels + "} in the metrics: "
                        + metrics.lines().filter(l -> l.startsWith(name)).toList())
                .isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    private static long entered(JsonPath funnel) {
        return funnel.getLong("treatment.entered") + funnel.getLong("holdout.entered");
    }

    private static JsonPath funnel(String from, String to) {
        Map<String, String> query = new LinkedHashMap<>();
        if (from != null) {
            query.put("from", from);
        }
        if (to != null) {
            query.put("to", to);
        }
        return given().auth()
                .oauth2(TOKEN)
                .queryParams(query)
                .get("/v1/journeys/counts/funnel")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static String anonymous(String anonymousId, String event) {
        return """
                {"type":"track","messageId":"%s","userId":null,"anonymousId":"%s","event":"%s","properties":{},
                 "traits":{},"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), anonymousId, event, Instant.now(), Instant.now());
    }

    private static String identify(String user, String anonymousId) {
        return """
                {"type":"identify","messageId":"%s","userId":"%s","anonymousId":"%s","properties":{},
                 "traits":{},"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), user, anonymousId, Instant.now(), Instant.now());
    }
}
