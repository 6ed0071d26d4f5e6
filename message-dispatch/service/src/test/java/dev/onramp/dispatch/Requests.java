package dev.onramp.dispatch;

import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Message requests as journey-engine writes them (docs/contracts/message-requests.schema.json). */
final class Requests {

    private Requests() {}

    static String request(
            String messageId,
            String user,
            String channel,
            String fallback,
            String template,
            String locale,
            String traitsJson) {
        return """
                {"messageId":"%s","journey":"onboarding","journeyVersion":1,"step":"welcome","kind":"nudge","ordinal":0,
                 "channel":"%s","fallbackChannels":%s,"template":"%s","locale":%s,
                 "user":{"id":"%s","traits":%s},"context":{"plan":"team"},"notBefore":"%s","createdAt":"%s"}""".formatted(
                        messageId,
                        channel,
                        fallback,
                        template,
                        locale == null ? "null" : "\"" + locale + "\"",
                        user,
                        traitsJson,
                        Instant.now(),
                        Instant.now());
    }

    /** An in-app request that may be delivered no earlier than {@code notBefore}. */
    static String inAppNotBefore(String messageId, String user, Instant notBefore) {
        return request(messageId, user, "in_app", "[]", "welcome", null, "{\"firstName\":\"Ada\"}")
                .replaceFirst("\"notBefore\":\"[^\"]+\"", "\"notBefore\":\"" + notBefore + "\"");
    }

    /** The same request signed by a teammate, as journey-engine writes it when a journey names a sender. */
    static String signed(String request, String senderJson) {
        return request.replaceFirst(
                "\"notBefore\"", Matcher.quoteReplacement("\"sender\":" + senderJson + ",\"notBefore\""));
    }

    static final String BELLE = """
            {"id":"belle","name":"Belle","role":"Content Crafter","email":"belle@acme.example",\
            "avatar":"https://acme.example/team/belle.png","team":"product"}""";

    /** The same request in another category ({@code marketing}, {@code product}, {@code security}). */
    static String inCategory(String request, String category) {
        return request.replaceFirst("\"journey\":", "\"category\":\"" + category + "\",\"journey\":");
    }

    /** The same request as one message of an incident, as journey-engine writes a notice, update or resolve. */
    static String ofIncident(String request, String broadcast, String incident) {
        return request.replace(
                        "\"journey\":\"onboarding\",\"journeyVersion\":1,\"step\":\"welcome\",\"kind\":\"nudge\",\"ordinal\":0,",
                        "\"origin\":\"incident\",\"broadcast\":\"" + broadcast + "\",")
                .replace("\"context\":{\"plan\":\"team\"}", "\"context\":{\"incident\":\"" + incident + "\"}");
    }

    /**
     * The same request as a broadcast's message with its own content, as journey-engine writes one whose content is
     * inline: no template, the content per channel in the user's locale.
     */
    static String inline(String request, String broadcast, String contentJson) {
        return ofBroadcast(request, broadcast)
                .replaceFirst("\"template\":\"[^\"]+\"", Matcher.quoteReplacement("\"content\":" + contentJson));
    }

    static String ofBroadcast(String request, String broadcast) {
        return request.replace(
                "\"journey\":\"onboarding\",\"journeyVersion\":1,\"step\":\"welcome\",\"kind\":\"nudge\",\"ordinal\":0,",
                "\"origin\":\"broadcast\",\"broadcast\":\"" + broadcast + "\",");
    }

    /** The same request taking replies, as journey-engine writes a step's or broadcast's with {@code replies: true}. */
    static String replyable(String request) {
        return request.replaceFirst("\"notBefore\"", "\"replies\":true,\"notBefore\"");
    }

    /** A teammate's answer in a conversation, as journey-engine writes one (origin answer). */
    static String answer(String messageId, String user, String conversation, String text, String senderJson) {
        return """
                {"messageId":"%s","origin":"answer","conversation":"%s","text":%s,"channel":"in_app",
                 "fallbackChannels":[],"locale":null,"user":{"id":"%s","traits":{}},"context":{},"sender":%s,
                 "notBefore":"%s","createdAt":"%s"}""".formatted(
                        messageId,
                        conversation,
                        new com.fasterxml.jackson.databind.node.TextNode(text).toString(),
                        user,
                        senderJson,
                        Instant.now(),
                        Instant.now());
    }

    /** A conversation's message handed to a destination, as journey-engine writes one (origin hand-off). */
    static String handoff(
            String messageId,
            String user,
            String conversation,
            String destination,
            String kind,
            boolean first,
            String text,
            String traitsJson) {
        return """
                {"messageId":"%s","origin":"hand-off","destination":"%s","conversation":"%s","text":%s,
                 "channel":"in_app","fallbackChannels":[],"locale":null,"journey":"onboarding","step":"invite-teammate",
                 "user":{"id":"%s","traits":%s},"context":{},
                 "handoff":{"kind":"%s","first":%s,"route":"billing","team":"revenue","priority":"high",
                            "assignee":"joel","tags":["billing","refund"]},
                 "notBefore":"%s","createdAt":"%s"}""".formatted(
                        messageId,
                        destination,
                        conversation,
                        new com.fasterxml.jackson.databind.node.TextNode(text).toString(),
                        user,
                        traitsJson,
                        kind,
                        first,
                        Instant.now(),
                        Instant.now());
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    static void send(String key, String value) {
        Contracts.check(Contracts.MESSAGE_REQUESTS, value);
        sendTo(null, key, value);
    }

    /** Sends without checking the contract, to a chosen partition (or by key if null). */
    static void sendTo(Integer partition, String key, String value) {
        try (var producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        Infra.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>("onramp.message-requests", partition, key, value))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send a test request", e);
        }
    }
}
