package dev.onramp.dispatch.inapp;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code HMAC-SHA256(secret, userId)} in hex: what a product's backend gives its page so that the inbox of that user,
 * and only that user, opens (as Intercom's identity verification does).
 */
public final class UserHash {

    private UserHash() {}

    public static String of(String secret, String userId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(userId.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compares in constant time, so the answer's timing tells nothing about the hash. */
    public static boolean matches(String secret, String userId, String given) {
        if (given == null) {
            return false;
        }
        byte[] expected = of(secret, userId).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(
                expected, given.trim().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }
}
