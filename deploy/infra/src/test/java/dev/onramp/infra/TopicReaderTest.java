package dev.onramp.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicReaderTest {

    @Test
    void readsTheRecordsOwnMessageIdNotAPropertyOfTheSameNameInside() {
        String event = """
                {"type":"track","properties":{"messageId":"decoy"},"messageId":"m-1","traits":{"messageId":"x"}}""";

        assertThat(TopicReader.messageIdOf(event)).isEqualTo("m-1");
        assertThatThrownBy(() -> TopicReader.messageIdOf("{\"properties\":{\"messageId\":\"decoy\"}}"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
