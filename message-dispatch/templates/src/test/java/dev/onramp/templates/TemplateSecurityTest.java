package dev.onramp.templates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a hostile trait can do to a rendered message: nothing beyond being shown as text. */
class TemplateSecurityTest {

    static final String HOSTILE = "Ada\", \"admin\": true, \"note\": \"\n\\u0000";

    @Test
    void aWebhookTextTemplateJsonEscapesTraitsSoTheyCannotAddFields(@TempDir Path dir) throws Exception {
        // Given a webhook template written as .txt (people do), and a user whose name closes the string and adds a
        // field
        Files.writeString(dir.resolve("ticket.webhook.txt"), """
                {"subject": "Help {user.traits.firstName}", "user": "{user.id}"}
                """);

        // When it is rendered
        Rendered rendered = TemplateSetTest.load(dir)
                .render("ticket", Channel.WEBHOOK, null, TemplateSetTest.data(Map.of("firstName", HOSTILE)));

        // Then the body is JSON with exactly the template's fields, the trait inside one string as it was
        JsonNode body = new ObjectMapper().readTree(rendered.body());
        assertThat(body.properties()).extracting(Map.Entry::getKey).containsExactly("subject", "user");
        assertThat(body.path("subject").asText()).isEqualTo("Help " + HOSTILE);
        assertThat(body.has("admin")).isFalse();
    }
}
