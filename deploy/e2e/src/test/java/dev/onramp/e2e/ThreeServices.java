package dev.onramp.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onramp.infra.FreePorts;
import dev.onramp.infra.Infra;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The three packaged services as separate processes on the shared Kafka, PostgreSQL and SMTP server, configured only
 * through environment variables, with one journeys folder: what EndToEndIT and ConsoleIT run against.
 */
final class ThreeServices implements AutoCloseable {

    static final Path ROOT =
            Path.of(System.getProperty("onramp.root", "../..")).toAbsolutePath().normalize();

    final ServiceProcess ingest;
    final ServiceProcess engine;
    final ServiceProcess dispatch;
    private final String writeKey;
    private final HttpClient http = HttpClient.newHttpClient();

    private ThreeServices(ServiceProcess ingest, ServiceProcess engine, ServiceProcess dispatch, String writeKey) {
        this.ingest = ingest;
        this.engine = engine;
        this.dispatch = dispatch;
        this.writeKey = writeKey;
    }

    /**
     * Starts them and waits until each is ready.
     *
     * @param source event-ingest's source, whose write key {@link #post} uses
     * @param engineEnv journey-engine's settings besides Kafka, its database, the journeys and the admin token
     * @param dispatchEnv message-dispatch's besides Kafka, its database, the SMTP server and the templates
     */
    static ThreeServices start(
            String source,
            Path journeys,
            Path logs,
            int dispatchPort,
            Map<String, String> engineEnv,
            Map<String, String> dispatchEnv) {
        String kafka = Infra.kafka().bootstrapServers();
        var smtp = Infra.smtp();
        List<String> jvm = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");
        Map<String, String> database = Rows.datasource(Infra.postgres());
        ServiceProcess ingest = new ServiceProcess(
                "event-ingest",
                ServiceProcess.jarOf(ROOT, "event-ingest"),
                FreePorts.find(),
                LocalSecrets.ingest(source, Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka)),
                logs.resolve("event-ingest.log"),
                jvm);
        Map<String, String> engine = with(database, engineEnv);
        engine.putAll(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                kafka,
                "ONRAMP_ENGINE_JOURNEYS_DIR",
                journeys.toString(),
                "ONRAMP_ENGINE_ADMIN_TOKEN",
                LocalSecrets.ADMIN_TOKEN));
        Map<String, String> dispatch = with(database, dispatchEnv);
        dispatch.putAll(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka,
                "QUARKUS_MAILER_HOST", smtp.host(),
                "QUARKUS_MAILER_PORT", Integer.toString(smtp.smtpPort()),
                "ONRAMP_DISPATCH_TEMPLATES_DIR", journeys.resolve("templates").toString()));
        ThreeServices services = new ThreeServices(
                ingest,
                new ServiceProcess(
                        "journey-engine",
                        ServiceProcess.jarOf(ROOT, "journey-engine/service"),
                        FreePorts.find(),
                        engine,
                        logs.resolve("journey-engine.log"),
                        jvm),
                new ServiceProcess(
                        "message-dispatch",
                        ServiceProcess.jarOf(ROOT, "message-dispatch/service"),
                        dispatchPort,
                        LocalSecrets.dispatch(dispatch),
                        logs.resolve("message-dispatch.log"),
                        jvm),
                LocalSecrets.writeKey(source));
        for (ServiceProcess service : services.all()) {
            service.start();
        }
        for (ServiceProcess service : services.all()) {
            service.awaitReady(Duration.ofSeconds(120));
        }
        return services;
    }

    private List<ServiceProcess> all() {
        return List.of(ingest, engine, dispatch);
    }

    /** POSTs a call to event-ingest with the source's write key, as an SDK does; expects 200. */
    void post(String path, String body) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(ingest.url() + path))
                        .header(
                                "Authorization",
                                "Basic "
                                        + Base64.getEncoder()
                                                .encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8)))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** Stops them, dispatch first. */
    @Override
    public void close() {
        for (ServiceProcess service : List.of(dispatch, engine, ingest)) {
            service.close();
        }
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new HashMap<>(a);
        all.putAll(b);
        return all;
    }
}
