package dev.onramp.journey.run;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Whether a user is in a journey's holdout group: a hash of (journey, user), so the answer never changes, on any
 * instance, and does not depend on when or how often the user enrolls.
 */
public final class Holdout {

    private Holdout() {}

    public static boolean isHeldOut(String journey, String userId, double percent) {
        if (percent <= 0) {
            return false;
        }
        return bucket(journey, userId) < percent / 100.0;
    }

    /** A number in [0, 1), uniformly spread over users. */
    static double bucket(String journey, String userId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((journey + "\u0000" + userId).getBytes(StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(digest).getLong() >>> 11;
            return bits / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
