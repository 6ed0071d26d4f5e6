package dev.onramp.engine;

import dev.onramp.infra.Contracts;
import dev.onramp.infra.Infra;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes records as event-ingest and message-dispatch would, following their contracts. */
final class Events {

    private Events() {}

    static void track(String user, String event, String propertiesJson) {
        send("onramp.events", user, trackJson(user, event, propertiesJson));
    }

    static String trackJson(String user, String event, String propertiesJson) {
        return """
                {"type":"track","messageId":"%s","userId":"%s","anonymousId":null,"event":"%s","properties":%s,
                 "traits":{},"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), user, event, propertiesJson, Instant.now(), Instant.now());
    }

    static void identify(String user, String traitsJson) {
        send("onramp.events", user, identifyJson(user, traitsJson));
    }

    static String identifyJson(String user, String traitsJson) {
        return """
                {"type":"identify","messageId":"%s","userId":"%s","anonymousId":null,"properties":{},
                 "traits":%s,"context":{},"timestamp":"%s","receivedAt":"%s","sourceId":"test"}""".formatted(UUID.randomUUID(), user, traitsJson, Instant.now(), Instant.now());
    }

    static void send(String topic, String key, String value) {
        if (topic.equals("onramp.events") && !key.startsWith("poison-")) {
            Contracts.check(Contracts.EVENTS, value);
        }
        sendTo(topic, null, key, value);
    }

    /** Sends with the Kafka timestamp given: a record written at that moment, whenever it is read. */
    static void sendWrittenAt(String topic, String key, String value, long timestampMillis) {
        try (var producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        Infra.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, null, timestampMillis, key, value))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send a test record", e);
        }
    }

    /** Sends without checking the record against its contract, to a chosen partition (or by key if null). */
    static void sendTo(String topic, Integer partition, String key, String value) {
        try (var producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        Infra.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        2_000_000),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send a test record", e);
        }
    }
}
