package dev.onramp.engine.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onramp.engine.EngineConfig;
import dev.onramp.engine.state.EnrollmentEntity;
import dev.onramp.engine.state.ProfileEntity;
import dev.onramp.journey.model.Channel;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The console's template previews and test sends: a step's template rendered by message-dispatch (its preview API) for
 * a real user's traits and the properties of the event that enrolled them, in each channel and locale it has; and the
 * same sent, marked as a test, to an address the operator types (never counted anywhere, see dispatch's test-send).
 */
@ApplicationScoped
public class TemplatePreviews {

    private final EngineConfig config;
    private volatile DispatchTemplates client;

    TemplatePreviews(EngineConfig config) {
        this.config = config;
    }

    /** Why previews cannot be made, or empty when they can. */
    public Optional<String> unavailable() {
        if (config.dispatch().url().isEmpty() || config.dispatch().adminToken().isEmpty()) {
            return Optional.of("Previews and test sends need message-dispatch's address and admin token:"
                    + " set onramp.engine.dispatch.url and onramp.engine.dispatch.admin-token.");
        }
        return Optional.empty();
    }

    /** A rendered message, or why it could not be. */
    public record Preview(
            String channel, String locale, String subject, String title, String body, String text, String error) {}

    /** What a user's messages are rendered with: their traits and their enrollment's trigger properties. */
    public record Sample(String userId, Map<String, Object> traits, Map<String, Object> context) {}

    /** The user's traits and the properties of the event that last enrolled them in the journey; empty if unknown. */
    public Optional<Sample> sample(String userId, String journey) {
        ProfileEntity profile = ProfileEntity.findById(userId);
        if (profile == null) {
            return Optional.empty();
        }
        String id = profile.mergedInto != null ? profile.mergedInto : profile.userId;
        if (profile.mergedInto != null) {
            ProfileEntity joined = ProfileEntity.findById(id);
            profile = joined == null ? profile : joined;
        }
        Map<String, Object> context = EnrollmentEntity.<EnrollmentEntity>find(
                        "userId = ?1 and journey = ?2 order by cycle desc", id, journey)
                .firstResultOptional()
                .map(e -> e.triggerProperties)
                .orElse(Map.of());
        return Optional.of(new Sample(id, profile.traits, context));
    }

    /** The locales a template has for a channel, from its files: "" (the default) first. */
    public List<String> locales(String template, Channel channel) {
        Path dir = config.templatesDir().orElse(config.journeysDir().resolve("templates"));
        TreeSet<String> locales = new TreeSet<>();
        String prefix = template + "." + channel.wireName() + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*")) {
            for (Path file : files) {
                String rest = file.getFileName().toString().substring(prefix.length());
                int dot = rest.lastIndexOf('.');
                if (dot > 0) {
                    locales.add(rest.substring(0, dot));
                }
            }
        } catch (IOException e) {
            // No folder (templates elsewhere): the default locale only.
        }
        List<String> all = new ArrayList<>();
        all.add("");
        all.addAll(locales);
        return all;
    }

    /** The template rendered for the sample user in a channel and locale ("" for the user's own). */
    public Preview preview(String template, Channel channel, String locale, Sample sample) {
        try {
            JsonNode r = client().preview(template, bearer(), request(channel, locale, sample, null));
            JsonNode headers = r.path("headers");
            return new Preview(
                    channel.wireName(),
                    r.path("locale").asText(""),
                    headers.path("subject").asText(null),
                    headers.path("title").asText(null),
                    r.path("body").asText(""),
                    r.path("text").asText(null),
                    null);
        } catch (RuntimeException e) {
            return new Preview(channel.wireName(), locale, null, null, null, null, why(e));
        }
    }

    /** What became of a test send: a sentence for the page. */
    public record TestSent(boolean sent, String message) {}

    public TestSent testSend(String template, Channel channel, String locale, Sample sample, String to) {
        try {
            JsonNode r = client().testSend(template, bearer(), request(channel, locale, sample, to));
            return new TestSent(
                    true,
                    "Sent to " + r.path("to").asText() + " as a test"
                            + (r.hasNonNull("subject")
                                    ? ": “" + r.path("subject").asText() + "”"
                                    : "")
                            + " (message id " + r.path("messageId").asText() + "; not counted anywhere).");
        } catch (RuntimeException e) {
            return new TestSent(false, why(e));
        }
    }

    private Map<String, Object> request(Channel channel, String locale, Sample sample, String to) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("channel", channel.wireName());
        String chosen = locale == null || locale.isBlank()
                ? sample.traits().get("locale") instanceof String l ? l : null
                : locale;
        request.put("locale", chosen);
        request.put("user", Map.of("id", sample.userId(), "traits", sample.traits()));
        request.put("context", sample.context());
        if (to != null) {
            request.put("to", to);
        }
        return request;
    }

    /** A sentence from dispatch's problem document, or from the failure to reach it. */
    private String why(RuntimeException e) {
        if (e instanceof WebApplicationException w) {
            try {
                JsonNode problem = w.getResponse().readEntity(JsonNode.class);
                return problem.path("detail").asText(problem.path("title").asText("message-dispatch refused"));
            } catch (RuntimeException unreadable) {
                return "message-dispatch answered " + w.getResponse().getStatus();
            }
        }
        if (e instanceof ProcessingException) {
            return "message-dispatch did not answer at "
                    + config.dispatch().url().orElse(null) + ": " + e.getMessage();
        }
        if (e instanceof IllegalStateException && unavailable().isPresent()) {
            return unavailable().get();
        }
        return String.valueOf(e.getMessage());
    }

    private String bearer() {
        return "Bearer " + config.dispatch().adminToken().orElse("");
    }

    private DispatchTemplates client() {
        if (unavailable().isPresent()) {
            throw new IllegalStateException(unavailable().get());
        }
        DispatchTemplates c = client;
        if (c == null) {
            c = QuarkusRestClientBuilder.newBuilder()
                    .baseUri(config.dispatch().url().orElseThrow())
                    .connectTimeout(3, TimeUnit.SECONDS)
                    .readTimeout(40, TimeUnit.SECONDS)
                    .build(DispatchTemplates.class);
            client = c;
        }
        return c;
    }
}
