package dev.onramp.infra.quarkus;

import dev.onramp.infra.Infra;
import dev.onramp.infra.SmtpService;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real SMTP server for a {@code @QuarkusTest}, shared by every test of the JVM; read it with {@code Infra.smtp()}. */
public class SmtpResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        SmtpService smtp = Infra.smtp();
        return Map.of(
                "quarkus.mailer.mock", "false",
                "quarkus.mailer.host", smtp.host(),
                "quarkus.mailer.port", Integer.toString(smtp.smtpPort()),
                "quarkus.mailer.tls", "false",
                "quarkus.mailer.start-tls", "DISABLED");
    }

    @Override
    public void stop() {
        // Shared by the whole JVM; Infra stops it at exit.
    }
}
