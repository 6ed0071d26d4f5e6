package dev.onramp.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateSetTest {

    static Map<String, Object> data(Map<String, Object> traits) {
        return Map.of(
                "user", Map.of("id", "u-1", "traits", traits),
                "context", Map.of(),
                "links", Map.of("app", "https://app.example.com"),
                "journey", "onboarding",
                "step", "welcome",
                "message", Map.of("id", "m-1", "channel", "email"));
    }

    static TemplateSet load(Path dir) {
        TemplateSet.Loaded loaded = TemplateSet.load(dir, TemplateSet.engine(), "en");
        assertThat(loaded.problems()).isEmpty();
        return loaded.templates();
    }

    @Test
    void rendersHeaderFieldsAndBodyEscapingHtmlAndDerivingTheTextPart(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("welcome.email.html"), """
                subject: Welcome {user.traits.firstName ?: 'there'}

                <p>Hi {user.traits.firstName ?: 'there'}, your workspace <b>{user.traits.workspace}</b> is ready.</p>
                <p><a href="{links.app}/invite">Invite a teammate</a></p>
                """);

        Rendered mail = load(dir)
                .render("welcome", Channel.EMAIL, null, data(Map.of("firstName", "Ada", "workspace", "<Acme & co>")));

        assertThat(mail.header("subject")).isEqualTo("Welcome Ada");
        assertThat(mail.body()).contains("<b>&lt;Acme &amp; co&gt;</b>");
        assertThat(mail.text())
                .isEqualTo(
                        "Hi Ada, your workspace <Acme & co> is ready.\n\nInvite a teammate (https://app.example.com/invite)");
    }

    @Test
    void picksTheUsersLocaleThenItsLanguageThenTheDefault(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("hi.in_app.txt"), "title: Hi\n\nHello\n");
        Files.writeString(dir.resolve("hi.in_app.fr.txt"), "title: Salut\n\nBonjour\n");
        Files.writeString(dir.resolve("hi.in_app.fr-CA.txt"), "title: Allô\n\nBonjour, eh\n");
        TemplateSet templates = load(dir);

        assertThat(templates
                        .render("hi", Channel.IN_APP, "fr-CA", data(Map.of()))
                        .header("title"))
                .isEqualTo("Allô");
        assertThat(templates
                        .render("hi", Channel.IN_APP, "fr_BE", data(Map.of()))
                        .header("title"))
                .isEqualTo("Salut");
        assertThat(templates.render("hi", Channel.IN_APP, "de", data(Map.of())).header("title"))
                .isEqualTo("Hi");
        assertThat(templates.render("hi", Channel.IN_APP, null, data(Map.of())).body())
                .isEqualTo("Hello");
    }

    @Test
    void failsToRenderForAUserWithoutATraitTheTemplateNeeds(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("company.email.html"), "subject: Hi\n\n<p>{user.traits.company}</p>\n");

        assertThatThrownBy(() -> load(dir).render("company", Channel.EMAIL, null, data(Map.of())))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("cannot be rendered for this user");
    }

    @Test
    void reportsEveryProblemOfAFolderWithItsLineAndColumn(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("no-subject.email.html"), "<p>Hi</p>\n");
        Files.writeString(dir.resolve("typo.in_app.txt"), "title: Hi {usr.name}\n\nBody\n");
        Files.writeString(dir.resolve("broken.sms.txt"), "Hello {#if user.id}\n");
        Files.writeString(dir.resolve("README.md"), "notes\n");

        TemplateSet.Loaded loaded = TemplateSet.load(dir, TemplateSet.engine(), "en");

        assertThat(loaded.ok()).isFalse();
        assertThat(loaded.problems().stream().map(TemplateProblem::toString).toList())
                .anySatisfy(p -> assertThat(p)
                        .startsWith(dir.resolve("no-subject.email.html")
                                + ":1:1: error: an email template starts with 'subject: ...'"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith(dir.resolve("typo.in_app.txt") + ":1:")
                        .contains("{usr.name} uses 'usr'"))
                .anySatisfy(p -> assertThat(p).startsWith(dir.resolve("broken.sms.txt") + ":1:"))
                .anySatisfy(
                        p -> assertThat(p).startsWith(dir.resolve("README.md") + ":0:0: error: not a template name"));
        assertThat(loaded.templates().size()).isZero();
    }

    @Test
    void theShippedTemplatesRenderForAUserWithNoTraitsAtAll() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("deploy/journeys/templates"))) {
            dir = dir.getParent();
        }
        TemplateSet templates = load(dir.resolve("deploy/journeys/templates"));
        List<String> rendered = new java.util.ArrayList<>();
        for (String name : templates.names()) {
            for (MessageTemplate version : templates.versions(name)) {
                Rendered message = TemplateSet.render(version, data(Map.of()));
                assertThat(message.body()).as(version.file()).isNotBlank();
                rendered.add(version.file());
            }
        }
        assertThat(rendered).hasSizeGreaterThanOrEqualTo(7);
    }

    @Test
    void inlineContentFollowsTheRulesOfATemplateFileAndSaysWhereItIsWrong() throws Exception {
        TemplateSet.Inline ok = TemplateSet.inline(
                TemplateSet.engine(),
                "b-1",
                Channel.EMAIL,
                null,
                Map.of("subject", "Hi {user.traits.firstName ?: 'there'}", "body", "<p>{user.traits.firstName}</p>"),
                "/content/email");
        assertThat(ok.problems()).isEmpty();
        Rendered mail = TemplateSet.render(ok.template(), data(Map.of("firstName", "<Ana>")));
        assertThat(mail.header("subject")).isEqualTo("Hi <Ana>");
        assertThat(mail.body()).isEqualTo("<p>&lt;Ana&gt;</p>");
        assertThat(mail.text()).contains("<Ana>");

        TemplateSet.Inline bad = TemplateSet.inline(
                TemplateSet.engine(),
                "b-1",
                Channel.IN_APP,
                "fr",
                Map.of("body", "Bonjour\n{#if}", "colour", "red"),
                "/content/in_app/locales/fr");
        assertThat(bad.ok()).isFalse();
        assertThat(bad.problems())
                .extracting(TemplateProblem::file)
                .containsExactlyInAnyOrder("/content/in_app/locales/fr/colour", "/content/in_app/locales/fr/title");

        TemplateSet.Inline unknownRoot = TemplateSet.inline(
                TemplateSet.engine(),
                "b-1",
                Channel.SMS,
                null,
                Map.of("body", "Hello\nfrom {team.name}"),
                "/content/sms");
        assertThat(unknownRoot.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("/content/sms/body");
            assertThat(p.line()).isEqualTo(2);
            assertThat(p.message()).contains("'team'");
        });
    }
}
