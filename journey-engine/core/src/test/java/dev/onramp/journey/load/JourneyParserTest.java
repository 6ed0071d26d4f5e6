package dev.onramp.journey.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.MessageKind;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class JourneyParserTest {

    static final Conditions CONDITIONS = new Conditions();
    final JourneyParser parser = new JourneyParser(CONDITIONS, null);

    List<String> problems(String yaml) {
        return parser.parse("j.yaml", yaml).problems().stream()
                .map(Problem::toString)
                .toList();
    }

    @Test
    void readsEveryPartOfTheLanguage() {
        JourneyParser.Parsed parsed = parser.parse("onboarding.yaml", """
                journey: onboarding
                name: Get a workspace going
                trigger:
                  event: Signed Up
                  where: user.traits.role != "guest"
                reentry: after_exit
                timezone: Europe/Paris
                steps:
                  - id: create-channel
                    done_when: { event: Channel Created }
                    nudge: { after: 1h, channel: in_app, template: create-channel }
                    remind:
                      - { after: 1d, channel: email, fallback: [in_app], template: create-channel-reminder }
                      - { after: 3d, channel: sms, template: sms, where: has(user.traits.phone) }
                  - id: invite
                    done_when:
                      - { event: Teammate Invited }
                      - { event: Link Shared }
                    done_if: user.traits.teamSize > 1
                exit: { event: Workspace Deleted }
                goal: { event: Message Sent, where: event.properties.count >= 10, within: 14d }
                holdout: 10%
                quiet_hours: { from: "21:00", to: 8:00 }
                """);

        assertThat(parsed.problems()).isEmpty();
        Journey journey = parsed.journey().orElseThrow();
        assertThat(journey.id()).isEqualTo("onboarding");
        assertThat(journey.trigger().where().source()).isEqualTo("user.traits.role != \"guest\"");
        assertThat(journey.steps()).hasSize(2);
        var messages = journey.steps().getFirst().messages();
        assertThat(messages)
                .extracting(m -> m.kind())
                .containsExactly(MessageKind.NUDGE, MessageKind.REMINDER, MessageKind.REMINDER);
        assertThat(messages.get(1).after()).isEqualTo(Duration.ofDays(1));
        assertThat(messages.get(1).fallback()).containsExactly(Channel.IN_APP);
        assertThat(journey.steps().get(1).doneWhen()).hasSize(2);
        assertThat(journey.steps().get(1).messages()).isEmpty();
        assertThat(journey.holdoutPercent()).isEqualTo(10.0);
        assertThat(journey.quietHours().orElseThrow().from()).isEqualTo(LocalTime.of(21, 0));
        assertThat(journey.quietHours().orElseThrow().to()).isEqualTo(LocalTime.of(8, 0));
        assertThat(journey.goal().orElseThrow().within()).isEqualTo(Duration.ofDays(14));
    }

    @Test
    void reportsEveryProblemAtOnceWithItsLineAndColumn() {
        assertThat(problems("""
                journey: Onboarding!
                trigger:
                  evnt: Signed Up
                steps:
                  - id: one
                    done_when: { event: A }
                    nudge: { after: 10 minutes, channel: inapp, template: t }
                  - id: one
                    done_when: { event: B, where: event.properties.x >>> 1 }
                holdout: ten
                quiet_hours: { from: "25:00", to: "08:00" }
                """))
                .containsExactly(
                        "j.yaml:1:10: error: 'Onboarding!' is not a valid id: use lower-case letters, digits, '-' and '_', starting with a letter or digit",
                        "j.yaml:3:3: error: 'event' is required: the event's name, such as Channel Created",
                        "j.yaml:3:3: error: unknown field 'evnt' in 'trigger'; did you mean 'event'?",
                        "j.yaml:7:21: error: '10 minutes' is not a duration: write it like 30s, 10m, 2h, 3d, 1w or 1h30m",
                        "j.yaml:7:42: error: 'inapp' is not a channel: use in_app, email, sms or webhook (did you mean 'in_app'?)",
                        "j.yaml:8:5: error: step id 'one' is already used by the step at line 5; step ids must be unique",
                        "j.yaml:9:55: error: condition: syntax error: mismatched input '>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}",
                        "j.yaml:10:10: error: holdout is a percentage such as 10%, not 'ten'",
                        "j.yaml:11:22: error: '25:00' is not a time of day: write it as \"HH:mm\", such as \"21:00\"");
    }

    @Test
    void aStepTakesRepliesOnlyWhenItSaysTrue() {
        JourneyParser.Parsed parsed = parser.parse("j.yaml", """
                journey: onboarding
                trigger: { event: Signed Up }
                steps:
                  - id: ask
                    done_when: { event: Answered }
                    nudge: { after: 1h, channel: in_app, template: ask }
                    replies: true
                  - id: tell
                    done_when: { event: Told }
                """);
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.journey().orElseThrow().steps())
                .extracting(step -> step.replies())
                .containsExactly(true, false);

        assertThat(problems("""
                journey: onboarding
                trigger: { event: Signed Up }
                steps:
                  - id: ask
                    done_when: { event: Answered }
                    replies: yes please
                """)).containsExactly("j.yaml:6:14: error: 'replies' is true or false, not 'yes please'");
    }

    @Test
    void pointsAtTheFieldThatIsMissing() {
        assertThat(problems("""
                journey: onboarding
                trigger: { event: Signed Up }
                """))
                .containsExactly(
                        "j.yaml:1:1: error: 'steps' is required: the list of things a user should do, in order");
    }

    @Test
    void rejectsAConditionThatIsNotTrueOrFalse() {
        assertThat(problems("""
                journey: onboarding
                trigger: { event: Signed Up, where: "user.traits.plan + 1" }
                steps:
                  - { id: a, done_when: { event: A } }
                """))
                .singleElement()
                .asString()
                .startsWith("j.yaml:2:")
                .contains("condition:");
    }

    @Test
    void rejectsTheSameFieldGivenTwice() {
        assertThat(problems("""
                journey: onboarding
                trigger: { event: Signed Up }
                trigger: { event: Logged In }
                steps:
                  - { id: a, done_when: { event: A } }
                """))
                .containsExactly("j.yaml:3:1: error: 'trigger' is given twice in a journey (first at line 2)");
    }

    @Test
    void refusesAFileThatIsNotYaml() {
        assertThat(problems("journey: [unclosed\nsteps: x"))
                .singleElement()
                .asString()
                .startsWith("j.yaml:")
                .contains("error: not valid YAML");
    }

    @Test
    void refusesABillionLaughsWithoutExpandingIt() {
        StringBuilder yaml =
                new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        char previous = 'a';
        for (char c = 'b'; c <= 'j'; c++) {
            yaml.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                yaml.append(i == 0 ? "" : ",").append('*').append(previous);
            }
            yaml.append("]\n");
            previous = c;
        }
        assertThat(problems(yaml.toString()))
                .singleElement()
                .asString()
                .isEqualTo("j.yaml:2:8: error: aliases (*a) are not supported in journey files; write the value out");
    }

    @Test
    void refusesASecondDocument() {
        assertThat(problems("""
                journey: a
                trigger: { event: A }
                steps: [{ id: a, done_when: { event: B } }]
                ---
                journey: b
                """)).singleElement().asString().contains("one YAML document");
    }

    @Test
    void checksThatEveryTemplateExistsForEveryChannelItMayUse(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Files.writeString(dir.resolve("invite.email.html"), "subject: Hi\n\nHello");
        JourneyParser withTemplates = new JourneyParser(CONDITIONS, TemplateCatalog.scan(dir));
        List<String> problems = withTemplates.parse("j.yaml", """
                        journey: a
                        trigger: { event: A }
                        steps:
                          - id: invite
                            done_when: { event: B }
                            nudge: { after: 1h, channel: email, fallback: [in_app], template: invite }
                            remind:
                              - { after: 1d, channel: email, template: invitee }
                        """).problems().stream()
                .map(Problem::toString)
                .toList();

        assertThat(problems)
                .containsExactly(
                        "j.yaml:6:71: error: template 'invite' has no in_app version: expected a file invite.in_app.* in "
                                + dir.getFileName() + " (it has email)",
                        "j.yaml:8:48: error: template 'invitee' has no email version: expected a file invitee.email.* in "
                                + dir.getFileName() + " (did you mean 'invite'?)");
    }
}
