package dev.onramp.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection that POSTs JSON and reads the status: the end-to-end benchmark's load
 * generator. {@link java.net.http.HttpClient} cost the benchmark's own process about half a core at 1,000 requests/s
 * on the two cores the services share; this writes the request bytes and reads the response head and its
 * {@code Content-Length} body, nothing more. Not thread-safe: one sender each.
 */
final class Http1 implements AutoCloseable {

    private final String host;
    private final int port;
    private final String head;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    /** @param headers extra header lines, each ending in CRLF, sent with every request */
    Http1(URI base, String path, String headers) {
        this.host = base.getHost();
        this.port = base.getPort();
        this.head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n" + headers
                + "Content-Type: application/json\r\n";
    }

    /** POSTs the body with these extra header lines; the response's status code. Reconnects once if the server closed. */
    int post(String extraHeaders, String body) throws IOException {
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        byte[] request = (head + extraHeaders + "Content-Length: " + payload.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (int attempt = 0; ; attempt++) {
            try {
                if (socket == null) {
                    socket = new Socket(host, port);
                    socket.setTcpNoDelay(true);
                    out = socket.getOutputStream();
                    in = new BufferedInputStream(socket.getInputStream(), 8192);
                }
                out.write(request);
                out.write(payload);
                out.flush();
                return readResponse();
            } catch (IOException e) {
                close();
                if (attempt > 0) {
                    throw e;
                }
            }
        }
    }

    private int readResponse() throws IOException {
        String status = line();
        if (status == null || !status.startsWith("HTTP/1.1 ")) {
            throw new IOException("not an HTTP/1.1 response: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean close = false;
        for (String header = line(); header != null && !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            String name = colon < 0 ? header : header.substring(0, colon).trim();
            String value = colon < 0 ? "" : header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                close = true;
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                throw new IOException("a chunked response; this client reads Content-Length bodies only");
            }
        }
        if (length < 0) {
            throw new IOException("a response without Content-Length");
        }
        in.skipNBytes(length);
        if (close) {
            close();
        }
        return code;
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.isEmpty() ? null : line.toString();
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }
}
