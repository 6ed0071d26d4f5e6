package dev.onramp.pipeline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Ids that the same inputs always give (a conversation of a user's reply to one message, an answer under one
 * idempotency key, a hand-off of one message to one destination), so that a repeat names the same thing.
 */
public final class StableIds {

    private StableIds() {}

    /** 32 hex characters: the first 128 bits of SHA-256 of {@code a}, a NUL, {@code b}. */
    public static String of(String a, String b) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(a.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(b.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
