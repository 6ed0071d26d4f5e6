package dev.onramp.infra;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContractsTest {

    @Test
    void acceptsARecordThatFollowsTheEventsContract() {
        assertThat(Contracts.violations(Contracts.EVENTS, """
                {"type":"track","messageId":"m-1","userId":"u-1","anonymousId":null,"event":"Signed Up","properties":{},
                 "traits":{},"context":{},"timestamp":"2026-03-02T09:00:00Z","receivedAt":"2026-03-02T09:00:01Z","sourceId":"web"}""")).isEmpty();
    }

    @Test
    void namesWhatARecordBreaks() {
        assertThat(Contracts.violations(Contracts.EVENTS, """
                {"type":"track","messageId":"m-1","userId":"u-1","anonymousId":null,"properties":{},
                 "traits":{},"context":{},"timestamp":"yesterday","receivedAt":"2026-03-02T09:00:01Z","sourceId":"web","extra":1}"""))
                .anySatisfy(v -> assertThat(v).contains("event"))
                .anySatisfy(v -> assertThat(v).contains("timestamp"))
                .anySatisfy(v -> assertThat(v).contains("extra"));
    }
}
