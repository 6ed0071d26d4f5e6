package dev.onramp.dispatch.sms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onramp.dispatch.DispatchConfig;
import dev.onramp.dispatch.send.Outgoing;
import dev.onramp.dispatch.send.PhoneNumbers;
import dev.onramp.dispatch.send.SendOutcome;
import dev.onramp.dispatch.send.Sender;
import dev.onramp.templates.Channel;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Sends SMS through the Twilio Messages API (form POST, HTTP Basic with the account SID and auth token). The base URL
 * is configurable, so tests and other providers speaking the same API work.
 */
@ApplicationScoped
public class SmsSender implements Sender {

    /** E.164: a plus, a country code, at most 15 digits. */
    public static final Pattern E164 = PhoneNumbers.E164;
    /** Twilio error codes that will never work for this message or number. */
    private static final Set<Integer> PERMANENT = Set.of(21211, 21214, 21217, 21219, 21408, 21612, 21614);
    /** Twilio's "the recipient replied STOP". */
    private static final int OPTED_OUT = 21610;

    private final DispatchConfig config;
    private final ObjectMapper json;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    SmsSender(DispatchConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    public boolean configured() {
        return config.sms().accountSid().isPresent()
                && config.sms().authToken().isPresent()
                && (config.sms().from().isPresent()
                        || config.sms().messagingServiceSid().isPresent());
    }

    @Override
    public Channel channel() {
        return Channel.SMS;
    }

    /** The message's address is an E.164 number: routing checks it before a message is queued. */
    @Override
    public SendOutcome send(Outgoing message) {
        String to = message.address();
        String body = message.rendered().body().strip();
        if (!configured()) {
            return SendOutcome.permanent(
                    "SMS is not configured (onramp.dispatch.sms.account-sid, auth-token and from)");
        }
        String sid = config.sms().accountSid().orElseThrow();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("To", to);
        config.sms()
                .messagingServiceSid()
                .ifPresentOrElse(
                        m -> form.put("MessagingServiceSid", m),
                        () -> form.put("From", config.sms().from().orElseThrow()));
        form.put("Body", body);
        form.put("StatusCallback", config.publicUrl() + "/v1/sms/status");
        String encoded = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.sms().baseUrl() + "/2010-04-01/Accounts/"
                        + URLEncoder.encode(sid, StandardCharsets.UTF_8) + "/Messages.json"))
                .timeout(Duration.ofSeconds(15))
                .header(
                        "Authorization",
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString((sid + ":"
                                                        + config.sms()
                                                                .authToken()
                                                                .orElseThrow())
                                                .getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encoded))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return SendOutcome.transientFailure("the SMS provider did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendOutcome.transientFailure("interrupted");
        }
        int status = response.statusCode();
        JsonNode answer = parse(response.body());
        if (status >= 200 && status < 300) {
            return SendOutcome.sent(answer.path("sid").asText(null));
        }
        int code = answer.path("code").asInt(0);
        String detail = status + (code == 0 ? "" : " (error " + code + ")") + ": "
                + answer.path("message").asText(response.body());
        if (code == OPTED_OUT) {
            return SendOutcome.rejected("the number opted out (replied STOP): " + detail);
        }
        if (PERMANENT.contains(code)
                || (status >= 400 && status < 500 && status != 401 && status != 408 && status != 429)) {
            return SendOutcome.permanent(detail);
        }
        return SendOutcome.transientFailure(detail);
    }

    private JsonNode parse(String body) {
        try {
            return json.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }
}
