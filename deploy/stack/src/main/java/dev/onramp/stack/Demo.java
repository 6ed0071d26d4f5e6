package dev.onramp.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.infra.ReceivedMail;
import dev.onramp.infra.ServiceProcess;
import dev.onramp.infra.SmtpService;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Plays a sample user through the workspace onboarding as a product would: identify and track calls to event-ingest,
 * then each next step only once the message suggesting it has arrived — in the inbox or in the mail viewer.
 */
final class Demo {

    private static final Duration WAIT = Duration.ofSeconds(120);

    private final Settings settings;
    private final Map<String, ServiceProcess> services;
    private final SmtpService smtp;
    private final String mailViewer;
    private final Output out;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private Instant start;

    interface Output {
        void say(String format, Object... args);
    }

    Demo(Settings settings, Map<String, ServiceProcess> services, SmtpService smtp, String mailViewer, Output out) {
        this.settings = settings;
        this.services = services;
        this.smtp = smtp;
        this.mailViewer = mailViewer;
        this.out = out;
    }

    /** ", signed Belle (Content Crafter)" for a message a teammate signed (team.yaml); nothing otherwise. */
    private static String signedBy(JsonNode message) {
        JsonNode sender = message.get("sender");
        if (sender == null || !sender.hasNonNull("name")) {
            return "";
        }
        return ", signed " + sender.get("name").asText()
                + (sender.hasNonNull("role") ? " (" + sender.get("role").asText() + ")" : "");
    }

    void play() throws Exception {
        out.say(
                "Demo: a new user signs up and goes through workspace-onboarding. Journey time runs %d× faster here:"
                        + " a day passes in a minute, so the whole journey takes about one.",
                Settings.DEMO_TIME_SCALE);
        start = Instant.now();
        String user = signUpSomeoneNotHeldOut();
        String address = user + "@example.com";

        JsonNode first = awaitInbox(user, 1);
        log("in-app   → “%s”%s", first.get("title").asText(), signedBy(first));
        track(user, "Profile Updated", "{\"field\":\"display_name\"}");
        log("%s sets a display name", user);

        JsonNode second = awaitInbox(user, 2);
        log("in-app   → “%s”%s", second.get("title").asText(), signedBy(second));
        track(user, "Channel Created", "{\"name\":\"#launch\"}");
        log("%s creates #launch", user);

        ReceivedMail invite = awaitMail(address, 1);
        log("email    → “%s” to %s, from %s", invite.subject(), address, invite.header("From"));
        track(user, "Teammate Invited", "{}");
        log("%s invites a teammate; the next nudge is due a day later", user);

        ReceivedMail desktop = awaitMail(address, 2);
        log("email    → “%s”", desktop.subject());
        track(user, "Desktop App Installed", "{}");
        track(user, "Message Sent", "{\"count\":12}");
        log("%s installs the desktop app and sends the 12th message: every step done, goal reached", user);

        JsonNode journey = await("the journey to complete", () -> {
            JsonNode explain = explain(user);
            JsonNode j = explain == null ? null : explain.get("journeys").get(0);
            return j != null
                            && "completed".equals(j.get("status").asText())
                            && !j.get("convertedAt").isNull()
                    ? j
                    : null;
        });
        log(
                "journey  → %s, converted; %d message(s) sent",
                journey.get("status").asText(), journey.get("sent").size());
        out.say("");
        out.say("Where to look:");
        out.say(
                "  in-app widget  %s/demo.html?user=%s&hash=%s",
                services.get("message-dispatch").url(), user, userHash(user));
        out.say(
                "  in-app inbox   %s/v1/inbox/%s/messages?userHash=%s",
                services.get("message-dispatch").url(), user, userHash(user));
        out.say("  mail viewer    %s", mailViewer);
        out.say(
                "  console        %s/console (log in with the admin token)",
                services.get("journey-engine").url());
        out.say(
                "  journey log    curl -H 'Authorization: Bearer %s' %s/v1/users/%s/journeys",
                settings.secrets().adminToken(), services.get("journey-engine").url(), user);
        out.say(
                "  funnel         curl -H 'Authorization: Bearer %s' %s/v1/journeys/workspace-onboarding/funnel",
                settings.secrets().adminToken(), services.get("journey-engine").url());
    }

    /** The journey holds out 10% of users; the demo says so when it happens and signs up someone else. */
    private String signUpSomeoneNotHeldOut() throws Exception {
        for (int attempt = 1; ; attempt++) {
            String user = "ada-" + Long.toString(Instant.now().toEpochMilli() % 10_000_000, 36)
                    + (attempt > 1 ? "-" + attempt : "");
            String zone = daytimeZone();
            identify(user, """
                    {"email":"%s@example.com","firstName":"Ada","workspaceName":"Acme","timezone":"%s","locale":"en"}""".formatted(user, zone));
            track(user, "Signed Up", "{\"plan\":\"team\"}");
            log("%s signs up (identify + track \"Signed Up\"; time zone %s, where it is daytime)", user, zone);
            JsonNode enrollment = await("the enrollment", () -> {
                JsonNode explain = explain(user);
                // Until the sign-up is applied the user may have no enrollment yet (only a profile, or a log entry).
                return explain == null
                                || explain.get("journeys").isEmpty()
                                || !explain.get("journeys").get(0).hasNonNull("holdout")
                        ? null
                        : explain.get("journeys").get(0);
            });
            if (!enrollment.get("holdout").asBoolean()) {
                return user;
            }
            log(
                    "%s landed in the 10%% holdout group: tracked, never messaged, so that lift can be measured. Another user…",
                    user);
        }
    }

    /** A fixed-offset zone where it is about noon now, so quiet hours (21:00–08:00) hold nothing back. */
    private static String daytimeZone() {
        int hour = Instant.now().atOffset(ZoneOffset.UTC).getHour();
        int offset = 12 - hour;
        if (offset > 14) {
            offset -= 24;
        } else if (offset < -12) {
            offset += 24;
        }
        // POSIX-style names: Etc/GMT-3 is three hours ahead of UTC.
        return offset == 0 ? "Etc/UTC" : "Etc/GMT" + (offset > 0 ? "-" : "+") + Math.abs(offset);
    }

    private void identify(String user, String traits) throws IOException, InterruptedException {
        post("/v1/identify", "{\"userId\":\"" + user + "\",\"traits\":" + traits + "}");
    }

    private void track(String user, String event, String properties) throws IOException, InterruptedException {
        post(
                "/v1/track",
                "{\"userId\":\"" + user + "\",\"event\":\"" + event + "\",\"properties\":" + properties + "}");
    }

    private void post(String path, String body) throws IOException, InterruptedException {
        String auth = Base64.getEncoder()
                .encodeToString((settings.secrets().writeKey() + ":").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(services.get("event-ingest").url() + path))
                        .header("Authorization", "Basic " + auth)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("event-ingest answered " + response.statusCode() + ": " + response.body());
        }
    }

    private JsonNode awaitInbox(String user, int count) throws Exception {
        return await("in-app message " + count, () -> {
            HttpResponse<String> response = get(
                    services.get("message-dispatch").url() + "/v1/inbox/" + enc(user) + "/messages?userHash="
                            + userHash(user),
                    null);
            JsonNode messages = json.readTree(response.body()).get("messages");
            // Newest first: the count-th message is the first of the list once there are count.
            return messages != null && messages.size() >= count ? messages.get(0) : null;
        });
    }

    private ReceivedMail awaitMail(String address, int count) throws Exception {
        return await("email " + count, () -> {
            List<ReceivedMail> mails = smtp.mailsTo(address);
            return mails.size() >= count ? mails.get(count - 1) : null;
        });
    }

    private JsonNode explain(String user) throws Exception {
        HttpResponse<String> response = get(
                services.get("journey-engine").url() + "/v1/users/" + enc(user) + "/journeys",
                "Bearer " + settings.secrets().adminToken());
        return response.statusCode() == 200 ? json.readTree(response.body()) : null;
    }

    private HttpResponse<String> get(String url, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    interface Check<T> {
        T get() throws Exception;
    }

    private <T> T await(String what, Check<T> check) throws Exception {
        Instant deadline = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(deadline)) {
            T value = check.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("waited " + WAIT.toSeconds() + " s for " + what + " in vain");
    }

    private void log(String format, Object... args) {
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        out.say("  [%5.1fs] %s", seconds, String.format(format, args));
    }

    private String userHash(String user) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(
                    new SecretKeySpec(settings.secrets().inboxSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
