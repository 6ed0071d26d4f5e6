package dev.onramp.bench;

import static dev.onramp.bench.Measure.longQuery;
import static dev.onramp.bench.Measure.seconds;
import static dev.onramp.bench.Measure.waitFor;

import dev.onramp.infra.EmbeddedPostgresServer;
import dev.onramp.infra.FreePorts;
import dev.onramp.infra.GreenMailSmtp;
import dev.onramp.infra.KafkaProcess;
import dev.onramp.infra.LocalSecrets;
import dev.onramp.infra.ServiceProcess;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * message-dispatch on a durable PostgreSQL: in-app messages per second from a backlog of requests in Kafka into the
 * inbox (each stored, its delivery event written, both committed), and emails per second into a local SMTP server
 * (GreenMail). References in the same run: single-row inserts with one commit each in the same PostgreSQL, and the
 * same SMTP server fed directly by a plain Jakarta Mail client over as many reused connections as dispatch uses.
 */
final class DispatchBenchmark {

    /**
     * SMTP connections of the reference client and dispatch's email concurrency (its pool follows): 8, as dispatch's
     * default, unless ONRAMP_BENCH_EMAIL_CONNECTIONS says otherwise.
     */
    private static final int EMAIL_CONNECTIONS =
            Integer.parseInt(System.getenv().getOrDefault("ONRAMP_BENCH_EMAIL_CONNECTIONS", "8"));

    /** Dispatch's email concurrency and mail pool, both as many as the reference's connections. */
    private static final Map<String, String> EMAIL_SETTINGS = Map.of(
            "ONRAMP_DISPATCH_EMAIL_CONCURRENCY", Integer.toString(EMAIL_CONNECTIONS),
            "QUARKUS_MAILER_MAX_POOL_SIZE", Integer.toString(EMAIL_CONNECTIONS));

    private final Bench.Options options;

    DispatchBenchmark(Bench.Options options) {
        this.options = options;
    }

    /** message-dispatch on this run's broker, database and SMTP server, with these templates; not started. */
    static ServiceProcess dispatch(
            Path root,
            Path dir,
            KafkaProcess kafka,
            EmbeddedPostgresServer postgres,
            int smtpPort,
            Path templates,
            Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", postgres.username(),
                "QUARKUS_DATASOURCE_PASSWORD", postgres.password(),
                "QUARKUS_MAILER_PORT", Integer.toString(smtpPort),
                "ONRAMP_DISPATCH_TEMPLATES_DIR", templates.toString()));
        env.putAll(more);
        return new ServiceProcess(
                "message-dispatch",
                ServiceProcess.jarOf(root, "message-dispatch/service"),
                FreePorts.find(),
                LocalSecrets.dispatch(env),
                dir.resolve("message-dispatch.log"),
                IngestBenchmark.jvmOptions());
    }

    void run() throws Exception {
        int inApp = options.records() >= 1_000_000 ? 200_000 : options.records();
        int emails = Math.max(1_000, inApp / 4);
        Path dir = Bench.workDir("dispatch");
        Path root = Path.of(System.getenv().getOrDefault("ONRAMP_ROOT", ".")).toAbsolutePath();
        Bench.banner("message-dispatch benchmark");
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        dir.resolve("postgres"), FreePorts.find(), dir.resolve("postgres.log"));
                KafkaProcess kafka = KafkaProcess.start(
                        dir.resolve("kafka"), FreePorts.find(), FreePorts.find(), dir.resolve("kafka.log"));
                GreenMailSmtp smtp = GreenMailSmtp.start(0)) {
            double inserts = singleRowInserts(postgres, Duration.ofSeconds(10));
            System.out.printf("single-row inserts, one commit each: %,.0f/s%n", inserts);
            double rawSmtp = rawSmtp(smtp.host(), smtp.smtpPort(), Duration.ofSeconds(10));
            System.out.printf(
                    "Jakarta Mail straight into the SMTP server, %d connections: %,.0f/s%n",
                    EMAIL_CONNECTIONS, rawSmtp);
            int afterReference = smtp.count();

            Path templates = dir.resolve("templates");
            Files.createDirectories(templates);
            Files.writeString(
                    templates.resolve("nudge.in_app.txt"),
                    "title: Next, {user.traits.firstName ?: \"friend\"}\naction: Do it\nurl: {links.app}/next\n\nYour next step.\n");
            Files.writeString(
                    templates.resolve("nudge.email.html"),
                    "subject: Your next step, {user.traits.firstName ?: \"friend\"}\n\n"
                            + "<p>Hi {user.traits.firstName ?: \"there\"},</p><p><a href=\"{links.app}/next\">Take the next step</a>.</p>\n");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(
                                new NewTopic("onramp.message-requests", 6, (short) 1),
                                new NewTopic("onramp.delivery-events", 6, (short) 1)))
                        .all()
                        .get();
            }
            produce(kafka.bootstrapServers(), "in_app", inApp);
            System.out.printf("%,d in-app message requests in Kafka%n", inApp);

            ServiceProcess dispatch = dispatch(root, dir, kafka, postgres, smtp.smtpPort(), templates, EMAIL_SETTINGS);
            try (dispatch;
                    Connection c =
                            DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password())) {
                dispatch.start();
                CpuUse cpu = new CpuUse(Map.of(
                        "message-dispatch",
                        dispatch.pid(),
                        "postgres",
                        postgres.pid(),
                        "kafka",
                        kafka.handle().pid()));
                // Progress is read from Kafka (delivery events published), not by counting rows, which would load
                // the PostgreSQL being measured.
                Measure.TopicEnd deliveryEvents =
                        new Measure.TopicEnd(kafka.bootstrapServers(), "onramp.delivery-events");
                LongSupplier reported = deliveryEvents::records;
                Instant first =
                        waitFor(() -> reported.getAsLong() > 0, Duration.ofMinutes(3), "the first in-app message");
                long startCount = reported.getAsLong();
                Instant done =
                        waitFor(() -> reported.getAsLong() >= inApp, Duration.ofMinutes(30), "every in-app message");
                double inAppRate = (inApp - startCount) / seconds(first, done);
                String inAppCpu = cpu.sinceLast();

                Instant emailStart = Instant.now();
                produce(kafka.bootstrapServers(), "email", emails);
                Instant emailFirst =
                        waitFor(() -> reported.getAsLong() > inApp, Duration.ofMinutes(3), "the first email");
                long emailStartCount = reported.getAsLong() - inApp;
                Instant emailDone =
                        waitFor(() -> reported.getAsLong() >= inApp + emails, Duration.ofMinutes(30), "every email");
                double emailRate = (emails - emailStartCount) / seconds(emailFirst, emailDone);
                deliveryEvents.close();
                String emailCpu = cpu.sinceLast();
                int arrived = smtp.count() - afterReference;
                long failed = longQuery(
                        c, "SELECT count(*) FROM dispatch.deliveries WHERE status NOT IN ('delivered', 'sent')");

                System.out.println();
                System.out.println("| measure | result | target |");
                System.out.println("|---|---|---|");
                System.out.printf("| single-row inserts, one commit each (reference) | %,.0f/s | |%n", inserts);
                System.out.printf(
                        "| in-app messages stored with their delivery events (%,d) | %,.0f/s = %.1f× the insert rate | ≥ 10,000/s |%n",
                        inApp, inAppRate, inAppRate / inserts);
                System.out.printf(
                        "| Jakarta Mail into the SMTP server, %d connections (reference) | %,.0f/s | |%n",
                        EMAIL_CONNECTIONS, rawSmtp);
                System.out.printf(
                        "| emails rendered and sent into the SMTP server (%,d; %,d arrived) | %,.0f/s = %.0f%% of the reference | ≥ 2,000/s |%n",
                        emails, arrived, emailRate, 100 * emailRate / rawSmtp);
                System.out.println();
                System.out.printf(
                        "Not delivered: %d. Email backlog from request to last send: %.1f s.%n",
                        failed, seconds(emailStart, emailDone));
                System.out.println("CPU during in-app: " + inAppCpu + "; during email: " + emailCpu
                        + " (100% = one core; the SMTP server runs in the benchmark's own JVM)");
            }
            emailsIntoSink(root, dir, kafka, postgres, templates, emails, inApp + emails);
        }
    }

    /**
     * The email leg again, into Postfix's smtp-sink instead of GreenMail: an SMTP server fast enough that the 2,000/s
     * target is about dispatch, not the server. A second dispatch instance takes over the same consumer group.
     */
    private static void emailsIntoSink(
            Path root,
            Path dir,
            KafkaProcess kafka,
            EmbeddedPostgresServer postgres,
            Path templates,
            int emails,
            long reportedBefore)
            throws Exception {
        System.out.println();
        try (SmtpSink sink = SmtpSink.start(FreePorts.find())) {
            if (sink == null) {
                System.out.println("no smtp-sink on this machine: the email leg into it is skipped");
                return;
            }
            double rawSink = rawSmtp("127.0.0.1", sink.port(), Duration.ofSeconds(10));
            System.out.printf(
                    "Jakarta Mail straight into Postfix's smtp-sink, %d connections: %,.0f/s%n",
                    EMAIL_CONNECTIONS, rawSink);
            long sinkBefore = sink.received();
            ServiceProcess dispatch = dispatch(root, dir, kafka, postgres, sink.port(), templates, EMAIL_SETTINGS);
            try (dispatch;
                    Measure.TopicEnd deliveryEvents =
                            new Measure.TopicEnd(kafka.bootstrapServers(), "onramp.delivery-events")) {
                dispatch.start().awaitReady(Duration.ofMinutes(2));
                CpuUse cpu = new CpuUse(Map.of(
                        "message-dispatch", dispatch.pid(),
                        "postgres", postgres.pid(),
                        "kafka", kafka.handle().pid(),
                        "smtp-sink", sink.pid()));
                LongSupplier reported = deliveryEvents::records;
                produce(kafka.bootstrapServers(), "email", "sink-user-", emails);
                Instant first =
                        waitFor(() -> reported.getAsLong() > reportedBefore, Duration.ofMinutes(3), "the first email");
                long startCount = reported.getAsLong() - reportedBefore;
                Instant done = waitFor(
                        () -> reported.getAsLong() >= reportedBefore + emails,
                        Duration.ofMinutes(30),
                        "every email into smtp-sink");
                double rate = (emails - startCount) / seconds(first, done);
                String emailCpu = cpu.sinceLast();
                System.out.println();
                System.out.println("| measure | result | target |");
                System.out.println("|---|---|---|");
                System.out.printf(
                        "| Jakarta Mail into smtp-sink, %d connections (reference) | %,.0f/s | |%n",
                        EMAIL_CONNECTIONS, rawSink);
                System.out.printf(
                        "| emails rendered and sent into smtp-sink (%,d; %,d arrived) | %,.0f/s = %.0f%% of the reference | ≥ 2,000/s |%n",
                        emails, sink.received() - sinkBefore, rate, 100 * rate / rawSink);
                System.out.println();
                System.out.println("CPU during email into smtp-sink: " + emailCpu + " (100% = one core)");
            }
        }
    }

    static double singleRowInserts(EmbeddedPostgresServer postgres, Duration duration) throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password())) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE bench_insert (k text PRIMARY KEY, v text NOT NULL, at timestamptz NOT NULL)");
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO bench_insert (k, v, at) VALUES (?, ?, now())")) {
                long count = 0;
                long start = System.nanoTime();
                long end = start + duration.toNanos();
                while (System.nanoTime() < end) {
                    ps.setString(1, "m-" + count);
                    ps.setString(2, "Your next step.");
                    ps.executeUpdate();
                    count++;
                }
                return count / ((System.nanoTime() - start) / 1e9);
            }
        }
    }

    /** Multipart messages of the same shape, each connection reused for every message. */
    private static double rawSmtp(String host, int port, Duration duration) throws Exception {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", host);
        properties.put("mail.smtp.port", Integer.toString(port));
        Session session = Session.getInstance(properties);
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < EMAIL_CONNECTIONS; t++) {
            int connection = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try (Transport transport = session.getTransport("smtp")) {
                    transport.connect();
                    long n = 0;
                    while (System.nanoTime() < end) {
                        MimeMessage message = new MimeMessage(session);
                        message.setFrom(new InternetAddress("onboarding@onramp.localhost"));
                        InternetAddress to =
                                new InternetAddress("reference-" + connection + "-" + n++ + "@example.com");
                        message.setRecipient(Message.RecipientType.TO, to);
                        message.setSubject("Your next step, friend");
                        MimeMultipart alternative = new MimeMultipart("alternative");
                        MimeBodyPart text = new MimeBodyPart();
                        text.setText("Hi there,\n\nTake the next step (http://localhost:3000/next).", "utf-8");
                        MimeBodyPart html = new MimeBodyPart();
                        html.setContent(
                                "<p>Hi there,</p><p><a href=\"http://localhost:3000/next\">Take the next step</a>.</p>",
                                "text/html; charset=utf-8");
                        alternative.addBodyPart(text);
                        alternative.addBodyPart(html);
                        message.setContent(alternative);
                        message.saveChanges();
                        transport.sendMessage(message, new InternetAddress[] {to});
                        sent.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return sent.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static void produce(String bootstrap, String channel, int count) {
        produce(bootstrap, channel, channel + "-user-", count);
    }

    /** Requests for users {@code prefix0, prefix1, …}: message ids follow the user ids. */
    private static void produce(String bootstrap, String channel, String prefix, int count) {
        String now = Instant.now().toString();
        try (var producer = Bench.backlogProducer(bootstrap)) {
            for (int i = 0; i < count; i++) {
                String user = prefix + i;
                producer.send(new ProducerRecord<>("onramp.message-requests", user, """
                        {"messageId":"%1$s-m","journey":"bench","journeyVersion":1,"step":"next","kind":"nudge","ordinal":0,
                         "channel":"%2$s","fallbackChannels":[],"template":"nudge","locale":null,
                         "user":{"id":"%1$s","traits":{"email":"%1$s@example.com","firstName":"Ada"}},"context":{},
                         "notBefore":"%3$s","createdAt":"%3$s"}""".formatted(user, channel, now)));
            }
            producer.flush();
        }
    }
}
