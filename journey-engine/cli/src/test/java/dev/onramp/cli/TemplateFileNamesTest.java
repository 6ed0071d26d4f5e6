package dev.onramp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.load.TemplateCatalog;
import dev.onramp.templates.TemplateSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * journey-engine (which checks that a journey's templates exist) and message-dispatch (which renders them) read a
 * template file's name by one rule: a name one of them takes and the other ignores would pass validation and fail
 * every send, or the reverse.
 */
class TemplateFileNamesTest {

    static final List<String> NAMES = List.of(
            "welcome.email.html",
            "welcome.email.txt",
            "welcome.in_app.txt",
            "welcome.in_app.fr.txt",
            "welcome.email.pt-BR.html",
            "welcome.email.zh_Hant.html",
            "hook.webhook.json",
            "invite-teammate-sms.sms.txt",
            "welcome.email.md",
            "Welcome.email.html",
            "welcome.push.txt",
            "welcome.email",
            "welcome.email.fr.de.html",
            ".welcome.email.html",
            "welcome..email.html",
            "welcome.email.HTML",
            "we lcome.email.html",
            "-welcome.in_app.txt");

    @Test
    void bothServicesReadEveryTemplateFileNameAlike() {
        for (String name : NAMES) {
            Optional<String> engine = TemplateCatalog.fileName(name)
                    .map(n -> n.template() + "/" + n.channel().wireName());
            Optional<String> dispatch = TemplateSet.fileName(name)
                    .map(n -> n.getKey() + "/" + n.getValue().wireName());
            assertThat(engine).as(name).isEqualTo(dispatch);
        }
        assertThat(TemplateCatalog.fileName("welcome.in_app.fr.txt")
                        .orElseThrow()
                        .template())
                .isEqualTo("welcome");
        assertThat(TemplateCatalog.fileName("welcome.email.md")).isEmpty();
    }
}
