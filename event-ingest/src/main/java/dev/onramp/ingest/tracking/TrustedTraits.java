package dev.onramp.ingest.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onramp.ingest.IngestConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Keeps a page from redirecting someone's messages: a {@code browser} source's write key is public, so its identify
 * calls may set the traits that route messages ({@code email}, {@code phone}) only when they carry an identity
 * signature — hex HMAC-SHA256 of the user id with the source's identity secret, computed by the product's backend —
 * in {@code context.onramp.signature}. Other traits pass. A refused trait is dropped from the event, counted
 * ({@code onramp_ingest_traits_refused_total} by source and trait) and logged; the rest of the call is accepted. The
 * signature itself is taken out of every event, so it is never stored.
 */
@ApplicationScoped
public class TrustedTraits implements EventNormalizer.TraitGuard {

    private static final Logger LOG = Logger.getLogger(TrustedTraits.class);
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final List<String> protectedTraits;
    private final Map<String, List<byte[]>> secrets = new HashMap<>();
    private final Map<String, Boolean> browser = new HashMap<>();
    private final MeterRegistry meters;
    private final Map<String, AtomicLong> lastLogged = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> unlogged = new ConcurrentHashMap<>();

    TrustedTraits(IngestConfig config, MeterRegistry meters) {
        this.meters = meters;
        this.protectedTraits = List.copyOf(config.protectedTraits());
        config.sources().forEach((name, source) -> {
            boolean allowsPages = !source.allowedOrigins().orElse(List.of()).isEmpty();
            IngestConfig.Trust trust =
                    source.trust().orElse(allowsPages ? IngestConfig.Trust.BROWSER : IngestConfig.Trust.SERVER);
            browser.put(name, trust == IngestConfig.Trust.BROWSER);
            List<byte[]> keys = new ArrayList<>(2);
            source.identitySecret().ifPresent(secret -> keys.add(secret.getBytes(StandardCharsets.UTF_8)));
            source.identitySecretPrevious()
                    .filter(secret -> !secret.isBlank())
                    .ifPresent(secret -> keys.add(secret.getBytes(StandardCharsets.UTF_8)));
            if (!keys.isEmpty()) {
                secrets.put(name, List.copyOf(keys));
            }
        });
    }

    @Override
    public void screen(String source, String userId, ObjectNode traits, ObjectNode context) {
        String signature = takeSignature(context);
        if (traits.isEmpty() || !browser.getOrDefault(source, false)) {
            return;
        }
        List<String> present = new ArrayList<>(2);
        for (String name : protectedTraits) {
            if (traits.has(name)) {
                present.add(name);
            }
        }
        if (present.isEmpty()) {
            return;
        }
        String why = refusal(source, userId, signature);
        if (why == null) {
            return;
        }
        for (String name : present) {
            traits.remove(name);
            Counter.builder("onramp.ingest.traits.refused")
                    .description("Traits dropped from identify calls of browser sources for want of an identity"
                            + " signature")
                    .tag("source", source)
                    .tag("trait", name)
                    .register(meters)
                    .increment();
        }
        log(source, userId, present, why);
    }

    /** Why the call may not set routing traits, or null when its signature proves the product's backend sent it. */
    private String refusal(String source, String userId, String signature) {
        List<byte[]> keys = secrets.get(source);
        if (keys == null) {
            return "the source has no identity secret (onramp.ingest.sources." + source + ".identity-secret)";
        }
        if (userId == null) {
            return "an anonymous call cannot be signed";
        }
        if (signature == null) {
            return "the call carries no identity signature (context.onramp.signature)";
        }
        byte[] given = signature.trim().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        for (byte[] secret : keys) {
            byte[] expected = HexFormat.of().formatHex(sign(secret, userId)).getBytes(StandardCharsets.US_ASCII);
            if (MessageDigest.isEqual(expected, given)) {
                return null;
            }
        }
        return "the identity signature is not the user id's";
    }

    /** What the product's backend computes: HMAC-SHA256 of the user id with the source's identity secret. */
    static byte[] sign(byte[] secret, String userId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(userId.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static String takeSignature(ObjectNode context) {
        JsonNode onramp = context.get("onramp");
        if (!(onramp instanceof ObjectNode fields)) {
            return null;
        }
        JsonNode signature = fields.remove("signature");
        if (fields.isEmpty()) {
            context.remove("onramp");
        }
        return signature != null && signature.isTextual() ? signature.asText() : null;
    }

    /** One line per source every ten seconds at most, with how many calls it stands for: a page cannot flood the log. */
    private void log(String source, String userId, List<String> traits, String why) {
        long now = System.nanoTime();
        AtomicLong last = lastLogged.computeIfAbsent(source, s -> new AtomicLong(now - LOG_EVERY_NANOS));
        AtomicLong skipped = unlogged.computeIfAbsent(source, s -> new AtomicLong());
        long previous = last.get();
        if (now - previous >= LOG_EVERY_NANOS && last.compareAndSet(previous, now)) {
            long others = skipped.getAndSet(0);
            LOG.warnf(
                    "source %s: identify of %s may not set %s: %s; dropped, the other traits kept%s",
                    source,
                    userId == null ? "an anonymous user" : "user " + userId,
                    String.join(" and ", traits),
                    why,
                    others == 0 ? "" : " (and " + others + " such call(s) since the last line)");
        } else {
            skipped.incrementAndGet();
        }
    }
}
