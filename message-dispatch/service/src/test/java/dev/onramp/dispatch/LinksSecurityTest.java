package dev.onramp.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import dev.onramp.dispatch.preferences.Links;
import dev.onramp.infra.Infra;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.quarkus.KafkaResource;
import dev.onramp.infra.quarkus.PostgresResource;
import dev.onramp.infra.quarkus.SmtpResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The links in emails: each does only what it was made for, preference links expire and stop at a changed address,
 * and the links secret can be rotated without breaking links already sent. Against the real SMTP server and database.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SmtpResource.class, restrictToAnnotatedClass = true)
class LinksSecurityTest {

    /** {@code %test.onramp.dispatch.links-secret-previous}: a key being rotated out. */
    static final String PREVIOUS = "test-previous-links-secret-0123456789abcdef";

    @Inject
    Links links;

    /** Sends a welcome email and returns its unsubscribe and preference links, as paths. */
    static String[] emailLinks(String user, String address) {
        Requests.send(
                user,
                Requests.request(
                        Requests.newId(), user, "email", "[]", "welcome", null, "{\"email\":\"" + address + "\"}"));
        ReceivedMail mail = await().atMost(Duration.ofSeconds(30))
                .until(() -> Infra.smtp().mailsTo(address), m -> !m.isEmpty())
                .getLast();
        Matcher unsubscribe =
                Pattern.compile("<(http[^>]+/v1/unsubscribe/[^>]+)>").matcher(mail.header("List-Unsubscribe"));
        assertThat(unsubscribe.find()).isTrue();
        Matcher preferences =
                Pattern.compile("(http\\S+/v1/preferences/[A-Za-z0-9._-]+)").matcher(mail.html() + mail.text());
        return new String[] {
            ChannelsTest.path(unsubscribe.group(1)), preferences.find() ? ChannelsTest.path(preferences.group(1)) : null
        };
    }

    @Test
    void anUnsubscribeLinkDoesNotOpenThePreferencePageAndAPreferenceLinkDoesNotUnsubscribe() {
        String user = ChannelsTest.newUser();
        String unsubscribe = emailLinks(user, user + "@example.com")[0];
        String token = unsubscribe.substring(unsubscribe.lastIndexOf('/') + 1);

        given().get("/v1/preferences/" + token).then().statusCode(404);
        String preferences = links.token(
                new Links.Subject(user, "onboarding", "email", Links.Purpose.PREFERENCES, null, Instant.now()));
        given().contentType("application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .post("/v1/unsubscribe/" + preferences)
                .then()
                .statusCode(404);
        given().get("/v1/preferences/" + preferences).then().statusCode(200);
    }

    @Test
    void aPreferenceLinkExpiresButAnUnsubscribeLinkKeepsWorking() {
        String user = ChannelsTest.newUser();
        Instant longAgo = Instant.now().minus(Duration.ofDays(400));
        String oldPreferences =
                links.token(new Links.Subject(user, "onboarding", "email", Links.Purpose.PREFERENCES, null, longAgo));
        String oldUnsubscribe =
                links.token(new Links.Subject(user, "onboarding", "email", Links.Purpose.UNSUBSCRIBE, null, longAgo));

        given().get("/v1/preferences/" + oldPreferences).then().statusCode(404).body(containsString("expired"));
        given().contentType("application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .post("/v1/unsubscribe/" + oldUnsubscribe)
                .then()
                .statusCode(200)
                .body(containsString("Done"))
                // An old unsubscribe link no longer leads to the preference page.
                .body(containsString("use the preference link of a recent message"));
    }

    @Test
    void aPreferenceLinkStopsWorkingOnceTheUserHasAnotherAddress() {
        String user = ChannelsTest.newUser();
        String first = emailLinks(user, user + "@old.example.com")[1];
        assertThat(first).as("the welcome email links to the preference page").isNotNull();
        given().get(first).then().statusCode(200);

        String second = emailLinks(user, user + "@new.example.com")[1];

        given().get(first).then().statusCode(404).body(containsString("no longer"));
        given().get(second).then().statusCode(200);
    }

    @Test
    void linksSignedWithThePreviousSecretKeepWorkingAndAnUnknownKeyOpensNothing() throws Exception {
        String user = ChannelsTest.newUser();
        String claims = "{\"p\":\"p\",\"u\":\"" + user + "\",\"j\":\"onboarding\",\"c\":\"email\",\"t\":"
                + Instant.now().getEpochSecond() + "}";

        given().get("/v1/preferences/" + token(PREVIOUS, claims)).then().statusCode(200);
        given().get("/v1/preferences/" + token("an-unknown-secret-that-nobody-configured-0123", claims))
                .then()
                .statusCode(404);
    }

    @Test
    void thePreferenceFormChangesOnlyRowsThePageShows() {
        String user = ChannelsTest.newUser();
        String preferences = emailLinks(user, user + "@example.com")[1];

        given().contentType("application/x-www-form-urlencoded")
                .formParam("shown", "never-sent-anything|email")
                .formParam("shown", "onboarding|email")
                .post(preferences)
                .then()
                .statusCode(200);
        assertThat(PreferencesRows.of(user)).containsExactly("onboarding|email");

        var huge = given().contentType("application/x-www-form-urlencoded");
        for (int i = 0; i < 2_100; i++) {
            huge = huge.formParam("shown", "j" + i + "|email");
        }
        huge.post(preferences).then().statusCode(400).contentType("application/problem+json");
    }

    /** A token in the documented format, signed with {@code secret}. */
    static String token(String secret, String claims) throws Exception {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        String id =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 4);
        String payload =
                Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        String signed = id + "." + payload;
        return signed + "."
                + Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    }

    /** The user's preference rows, as {@code journey|channel}. */
    static final class PreferencesRows {
        static java.util.List<String> of(String user) {
            try (var c = java.sql.DriverManager.getConnection(
                            Infra.postgres().jdbcUrl(),
                            Infra.postgres().username(),
                            Infra.postgres().password());
                    var q = c.prepareStatement(
                            "SELECT journey || '|' || channel FROM dispatch.preferences WHERE user_id = ? ORDER BY 1")) {
                q.setString(1, user);
                var rows = new java.util.ArrayList<String>();
                try (var rs = q.executeQuery()) {
                    while (rs.next()) {
                        rows.add(rs.getString(1));
                    }
                }
                return rows;
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
