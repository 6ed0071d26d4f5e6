package dev.onramp.pipeline;

/** Text made safe for a PostgreSQL {@code text} column or a Kafka header: no NUL, no unpaired surrogate, bounded. */
public final class Storable {

    private Storable() {}

    public static String text(String text, int maxChars) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars));
        for (int i = 0; i < text.length() && out.length() < maxChars; i++) {
            char c = text.charAt(i);
            if (c == 0) {
                out.append('\uFFFD');
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        if (out.length() >= maxChars && text.length() > maxChars) {
            out.append('…');
        }
        return out.toString();
    }
}
