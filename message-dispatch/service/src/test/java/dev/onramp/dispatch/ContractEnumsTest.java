package dev.onramp.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.dispatch.delivery.Routing;
import dev.onramp.dispatch.inapp.Inbox;
import dev.onramp.dispatch.ledger.Category;
import dev.onramp.dispatch.ledger.DeliveryStatus;
import dev.onramp.infra.Contracts;
import dev.onramp.templates.Channel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every list of values message-dispatch keeps is the list its contracts allow: one rule, in one place. */
class ContractEnumsTest {

    static final List<String> STATUSES = Contracts.enumAt(Contracts.DELIVERY_EVENTS, "/properties/status/enum");

    @Test
    void channelsAreTheContractsChannels() {
        List<String> ours =
                Arrays.stream(Channel.values()).map(Channel::wireName).toList();

        assertThat(ours).isEqualTo(Contracts.enumAt(Contracts.MESSAGE_REQUESTS, "/$defs/channel/enum"));
        assertThat(ours).isEqualTo(Contracts.enumAt(Contracts.DELIVERY_EVENTS, "/properties/channel/enum"));
    }

    @Test
    void everyStatusADeliveryEndsInAndEveryInboxInteractionIsAContractStatus() {
        assertThat(List.of(DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED))
                .extracting(DeliveryStatus::wireName)
                .allMatch(STATUSES::contains);
        assertThat(Arrays.stream(Inbox.Interaction.values()).map(i -> i.status)).allMatch(STATUSES::contains);
    }

    @Test
    void categoriesAreTheContractsCategories() {
        assertThat(Arrays.stream(Category.values()).map(Category::wireName))
                .containsExactlyElementsOf(Contracts.enumAt(Contracts.MESSAGE_REQUESTS, "/properties/category/enum"));
    }

    @Test
    void theCausesOfASuppressedEventAreTheContracts() {
        assertThat(List.of(Routing.UNSUBSCRIBED, Routing.ADDRESS))
                .containsExactlyElementsOf(Contracts.enumAt(Contracts.DELIVERY_EVENTS, "/properties/cause/enum"));
    }
}
