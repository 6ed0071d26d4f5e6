package dev.onramp.dispatch.preferences;

/** The small pages end users see: plain, readable, escaped. */
public final class Html {

    private Html() {}

    static String page(String title, String body) {
        return "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
                + "<title>" + escape(title)
                + "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:3em auto;"
                + "padding:0 1em;color:#222}button{font:inherit;padding:.5em 1em;margin:.3em 0;border:0;border-radius:6px;background:#3b5bdb;"
                + "color:#fff;cursor:pointer}button.secondary{background:#868e96}table{border-collapse:collapse;margin:1em 0}"
                + "th,td{padding:.4em .8em;text-align:left}td{text-align:center}</style><h1>" + escape(title) + "</h1>"
                + body + "</html>";
    }

    public static String escape(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
