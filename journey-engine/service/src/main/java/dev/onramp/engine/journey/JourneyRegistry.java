package dev.onramp.engine.journey;

import dev.onramp.engine.EngineConfig;
import dev.onramp.journey.cel.Conditions;
import dev.onramp.journey.load.JourneyDirectory;
import dev.onramp.journey.load.Problem;
import dev.onramp.journey.load.TemplateCatalog;
import dev.onramp.journey.model.Channel;
import dev.onramp.journey.model.Durations;
import dev.onramp.journey.model.Journey;
import dev.onramp.journey.model.Roster;
import dev.onramp.journey.route.Routes;
import dev.onramp.journey.run.Cap;
import dev.onramp.journey.run.EngineSettings;
import dev.onramp.journey.run.JourneyRuntime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The journeys the engine runs: loaded from the journeys directory at start and again whenever it changes. A load
 * with any error changes nothing: the last good version keeps running, and the problems are logged, counted and
 * shown by the health check.
 */
@ApplicationScoped
public class JourneyRegistry {

    private static final Logger LOG = Logger.getLogger(JourneyRegistry.class);

    /**
     * The journeys in force, with their version numbers, and what was loaded beside them: the templates there are, the
     * teammates who may sign messages, and the routes of what users write.
     */
    public record Live(
            JourneyRuntime runtime,
            Map<String, Integer> versions,
            Instant loadedAt,
            TemplateCatalog templates,
            Roster team,
            Routes routes) {
        public int version(String journey) {
            return versions.getOrDefault(journey, 0);
        }
    }

    /** How the latest attempt to load went. */
    public record LoadStatus(Instant at, boolean ok, List<Problem> problems) {}

    private final EngineConfig config;
    private final InstantSource clock;
    private final Conditions conditions = new Conditions();
    private final EngineSettings settings;
    private final Counter failures;
    private final AtomicReference<Live> live = new AtomicReference<>();
    private volatile LoadStatus status;
    private volatile String fingerprint = "";

    JourneyRegistry(EngineConfig config, InstantSource clock, MeterRegistry meters) {
        this.config = config;
        this.clock = clock;
        this.settings = new EngineSettings(
                config.defaultTimezone(),
                caps(config.caps()),
                config.timeScale(),
                config.broadcasts().holdRecheck());
        this.failures = Counter.builder("onramp.journeys.reload.failures")
                .description("Loads of the journeys directory refused because of errors")
                .register(meters);
        meters.gauge(
                "onramp.journeys.loaded",
                live,
                l -> l.get() == null ? 0 : l.get().runtime().journeys().size());
    }

    void onStart(@Observes @jakarta.annotation.Priority(5) StartupEvent ignored) {
        reloadIfChanged();
    }

    @Scheduled(every = "${onramp.engine.reload-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        reloadIfChanged();
    }

    public Optional<Live> current() {
        return Optional.ofNullable(live.get());
    }

    /** What the installation decides rather than each journey: default time zone, caps, time scale. */
    public EngineSettings settings() {
        return settings;
    }

    public LoadStatus status() {
        return status;
    }

    public Path journeysDir() {
        return config.journeysDir();
    }

    public synchronized void reloadIfChanged() {
        String now = fingerprint();
        if (now.equals(fingerprint)) {
            return;
        }
        fingerprint = now;
        reload();
    }

    private void reload() {
        Path dir = config.journeysDir();
        Path templates = config.templatesDir().orElse(dir.resolve("templates"));
        JourneyDirectory.Loaded loaded;
        try {
            loaded = JourneyDirectory.load(dir, templates, conditions);
        } catch (RuntimeException e) {
            failed(List.of(new Problem(dir.toString(), 0, 0, Problem.Severity.ERROR, "cannot be loaded: " + e)));
            return;
        }
        loaded.problems().stream().filter(p -> !p.isError()).forEach(p -> LOG.warn(p));
        if (loaded.hasErrors()) {
            failed(loaded.problems());
            return;
        }
        Map<String, Integer> versions;
        try {
            versions = assignVersions(loaded.journeys().all());
        } catch (RuntimeException e) {
            LOG.errorf("cannot record journey versions (%s); keeping the journeys in force", e.toString());
            fingerprint = "";
            return;
        }
        Live next = new Live(
                new JourneyRuntime(loaded.journeys(), versions::get, settings),
                Map.copyOf(versions),
                clock.instant(),
                loaded.templates(),
                loaded.team(),
                loaded.routes());
        Live previous = live.getAndSet(next);
        status = new LoadStatus(clock.instant(), true, loaded.problems());
        LOG.infof(
                "%s %d journey(s) from %s: %s",
                previous == null ? "loaded" : "reloaded",
                loaded.journeys().size(),
                dir,
                versions.entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getKey() + " v" + e.getValue())
                        .toList());
    }

    private void failed(List<Problem> problems) {
        failures.increment();
        status = new LoadStatus(clock.instant(), false, problems);
        List<Problem> errors = problems.stream().filter(Problem::isError).toList();
        LOG.errorf(
                "the journeys directory has %d error(s); %s:%n%s",
                errors.size(),
                live.get() == null ? "no journey runs until they are fixed" : "the last good version keeps running",
                String.join("\n", errors.stream().map(Problem::toString).toList()));
    }

    /**
     * Numbers each journey's content: the version it had if this content was seen before, else the next one. Under an
     * advisory lock, so instances loading the same files at once agree.
     */
    private Map<String, Integer> assignVersions(java.util.Collection<Journey> journeys) {
        return QuarkusTransaction.requiringNew().call(() -> {
            JourneyVersion.getEntityManager()
                    .createNativeQuery("SELECT pg_advisory_xact_lock(4242)")
                    .getSingleResult();
            Map<String, Integer> versions = new HashMap<>();
            Instant now = clock.instant();
            for (Journey journey : journeys) {
                JourneyVersion version = JourneyVersion.withContent(journey.id(), journey.contentHash())
                        .orElseGet(() -> {
                            JourneyVersion next = new JourneyVersion();
                            next.journey = journey.id();
                            next.version = JourneyVersion.latest(journey.id()) + 1;
                            next.contentHash = journey.contentHash();
                            next.source = journey.source();
                            next.loadedAt = now;
                            next.persist();
                            return next;
                        });
                versions.put(journey.id(), version.version);
            }
            return versions;
        });
    }

    /** Changes whenever a file under the journeys or templates directory is added, removed or modified. */
    private String fingerprint() {
        List<Path> roots = new ArrayList<>();
        roots.add(config.journeysDir());
        config.templatesDir().ifPresent(roots::add);
        StringBuilder out = new StringBuilder();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                out.append(root).append(":missing;");
                continue;
            }
            try (Stream<Path> files = Files.walk(root, 8)) {
                files.filter(Files::isRegularFile).sorted().forEach(f -> {
                    try {
                        out.append(f)
                                .append(':')
                                .append(Files.size(f))
                                .append(':')
                                .append(Files.getLastModifiedTime(f).toMillis())
                                .append(';');
                    } catch (IOException e) {
                        out.append(f).append(":unreadable;");
                    }
                });
            } catch (IOException | java.io.UncheckedIOException e) {
                out.append(root).append(":unreadable;");
            }
        }
        return out.toString();
    }

    static Map<Channel, List<Cap>> caps(Map<String, List<String>> configured) {
        Map<Channel, List<Cap>> caps = new EnumMap<>(Channel.class);
        configured.forEach((name, values) -> {
            Channel channel = Channel.of(name)
                    .orElseThrow(() -> new IllegalArgumentException("onramp.engine.caps." + name + ": '" + name
                            + "' is not a channel (in_app, email, sms, webhook)"));
            List<Cap> list = new ArrayList<>();
            for (String value : values) {
                String[] parts = value.trim().split("/", 2);
                Optional<Duration> per = parts.length == 2 ? Durations.parse(parts[1]) : Optional.empty();
                int count;
                try {
                    count = Integer.parseInt(parts[0].trim());
                } catch (NumberFormatException e) {
                    count = 0;
                }
                if (per.isEmpty() || count < 1 || per.get().isZero()) {
                    throw new IllegalArgumentException("onramp.engine.caps." + name + ": '" + value
                            + "' is not a cap; write count/period, such as 1/1d");
                }
                list.add(new Cap(count, per.get()));
            }
            caps.put(channel, List.copyOf(list));
        });
        return caps;
    }
}
