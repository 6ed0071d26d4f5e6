package dev.onramp.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.infra.Contracts;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.MessageKind;
import dev.onramp.journey.run.DeliveryReport;
import dev.onramp.journey.run.MessageRequest;
import dev.onramp.journey.run.SendPolicy;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Every list of values journey-engine keeps is the list its contracts allow: one rule, in one place. */
class ContractEnumsTest {

    @Test
    void channelsAreTheContractsChannels() {
        List<String> ours =
                Arrays.stream(Channel.values()).map(Channel::wireName).toList();

        assertThat(ours).isEqualTo(Contracts.enumAt(Contracts.MESSAGE_REQUESTS, "/$defs/channel/enum"));
        assertThat(ours).isEqualTo(Contracts.enumAt(Contracts.DELIVERY_EVENTS, "/properties/channel/enum"));
    }

    @Test
    void messageKindsAreTheContractsKinds() {
        assertThat(Arrays.stream(MessageKind.values()).map(MessageKind::wireName))
                .containsExactlyElementsOf(Contracts.enumAt(Contracts.MESSAGE_REQUESTS, "/properties/kind/enum"));
    }

    @Test
    void unsubscribeScopesAreTheContractsScopes() {
        assertThat(Arrays.stream(DeliveryReport.Scope.values())
                        .map(s -> s.name().toLowerCase(Locale.ROOT)))
                .containsExactlyElementsOf(Contracts.enumAt(Contracts.DELIVERY_EVENTS, "/properties/scope/enum"));
    }

    @Test
    void originsPrioritiesAndCategoriesAreTheContracts() {
        assertThat(Arrays.stream(MessageRequest.Origin.values()).map(MessageRequest.Origin::wireName))
                .containsExactlyElementsOf(Contracts.enumAt(Contracts.MESSAGE_REQUESTS, "/properties/origin/enum"));
        assertThat(Arrays.stream(SendPolicy.Priority.values()).map(SendPolicy.Priority::wireName))
                .containsExactlyElementsOf(Contracts.enumAt(Contracts.MESSAGE_REQUESTS, "/properties/priority/enum"));
        assertThat(Arrays.stream(SendPolicy.Category.values()).map(SendPolicy.Category::wireName))
                .containsExactlyElementsOf(Contracts.enumAt(Contracts.MESSAGE_REQUESTS, "/properties/category/enum"));
    }
}
