package gateway;

import com.sun.net.httpserver.Headers;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * {@link Exchange} over Helidon's ServerRequest and ServerResponse, with HttpExchange's meanings:
 * the headers are copied into a {@link Headers} both ways, the answer's head goes out with the
 * first bytes of its body (or at once when it has none). Helidon does not close a connection after an answer that says {@code Connection: close}
 * (it reads on, and would wait for the rest of a body); {@link #closesConnection} tells the
 * handler to close it. One request's thread only, but for a 408 that {@link ClientStream} writes
 * from its own thread while this one is blocked in a read.
 */
final class HelidonExchange implements Exchange {

    private static final Logger LOG = Log.get(HelidonExchange.class);

    private final ServerRequest request;
    private final ServerResponse response;
    private final String method;
    private final URI uri;
    private final Headers requestHeaders;
    private final Headers responseHeaders = new Headers();
    private InputStream body;
    private OutputStream out;
    private volatile int status = -1;
    private volatile boolean close;

    private HelidonExchange(ServerRequest request, ServerResponse response, String method, URI uri, Headers requestHeaders) {
        this.request = request;
        this.response = response;
        this.method = method;
        this.uri = uri;
        this.requestHeaders = requestHeaders;
    }

    /**
     * The exchange of one request, or null when its target cannot be a {@link URI} (HttpServer
     * answers those 400 itself; here they are refused the same way, in JSON).
     */
    static HelidonExchange of(ServerRequest request, ServerResponse response) {
        HttpPrologue prologue = request.prologue();
        Headers headers = new Headers();
        for (Header header : request.headers()) headers.put(header.name(), List.copyOf(header.allValues()));
        String target = prologue.uriPath().rawPath();
        String query = prologue.query().rawValue();
        if (!query.isEmpty()) target += "?" + query;
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            HelidonExchange refused = new HelidonExchange(request, response, prologue.method().text(), URI.create("/"), headers);
            refused.refuse(400, "the request target is not a URI: " + e.getMessage(), Map.of());
            throw new io.helidon.webserver.CloseConnectionException("refused: the target is not a URI");
        }
        boolean close = headers.containsKey("Connection") && headers.get("Connection").stream()
                .anyMatch(value -> value.toLowerCase(java.util.Locale.ROOT).contains("close"));
        HelidonExchange exchange = new HelidonExchange(request, response, prologue.method().text(), uri, headers);
        exchange.close = close; // Helidon answers it with Connection: close, and would then read on
        return exchange;
    }

    /** Whether the connection must be closed once the handler returns: the client or an answer asked for it. */
    boolean closesConnection() {
        return close;
    }

    @Override
    public String getRequestMethod() {
        return method;
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getProtocol() {
        return "HTTP/1.1"; // Helidon serves nothing else: HTTP/1.0 is refused before a handler sees it
    }

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return (InetSocketAddress) request.remotePeer().address();
    }

    @Override
    public InputStream getRequestBody() {
        if (body == null) body = new Body(request.content().inputStream());
        return body;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public void sendResponseHeaders(int status, long length) throws IOException {
        if (this.status != -1) throw new IOException("headers already sent");
        this.status = status;
        response.status(Status.create(status));
        for (var header : responseHeaders.entrySet()) {
            if (header.getKey().equalsIgnoreCase("Connection")
                    && header.getValue().stream().anyMatch(v -> v.toLowerCase(java.util.Locale.ROOT).contains("close"))) {
                close = true;
            }
            response.header(HeaderValues.create(header.getKey(), header.getValue()));
        }
        try {
            if (length < 0) {
                if (!responseHeaders.containsKey("Content-Length")) response.headers().remove(HeaderNames.CONTENT_LENGTH);
                response.send(); // no body; Helidon adds Content-Length: 0 unless one was set (HEAD sets the replica's)
                out = OutputStream.nullOutputStream();
                return;
            }
            if (length > 0) response.header(HeaderValues.create(HeaderNames.CONTENT_LENGTH, Long.toString(length)));
            // The head goes out with the first bytes of the body, in one write (nothing is
            // buffered, see writeBufferSize): HttpServer sends it at once. An empty write could
            // send it now, but would part it from a short body such as a refusal's, whose
            // connection is closed at once: a client may then lose the body to the reset.
            out = new Out(response.outputStream());
        } catch (RuntimeException e) {
            throw HelidonStack.checked(e, "the answer could not be sent");
        }
    }

    @Override
    public OutputStream getResponseBody() {
        if (out == null) throw new IllegalStateException("sendResponseHeaders has not been called");
        return out;
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    /**
     * Ends the answer: Helidon writes a chunked body's last chunk on its commit, which it makes
     * only once the handler returns, and the handler may then close the connection first.
     */
    @Override
    public void close() {
        try {
            if (out != null) out.close();
            if (response instanceof RoutingResponse routed) routed.commit();
        } catch (IOException | RuntimeException e) {
            LOG.fine("could not finish the answer: " + e.getMessage());
            close = true;
        }
    }

    /**
     * Answers, then has the handler close the connection (see {@link #closesConnection}): Helidon
     * would otherwise read what is left of the body, for as long as the client takes.
     */
    @Override
    public void refuse(int status, String message, Map<String, ?> extra) {
        close = true;
        try {
            responseHeaders.set("Connection", "close");
            Json.errorUnclosed(this, status, message, extra); // out, flushed
            close();
        } catch (IOException | RuntimeException e) {
            LOG.fine("could not send " + status + ": " + e.getMessage()); // an answer had begun, or the client is gone
        }
    }

    /**
     * The request body: Helidon reports a broken or malformed body with unchecked exceptions,
     * which the core (ClientStream) must see as the IOException of a client that failed.
     */
    private static final class Body extends InputStream {
        private final InputStream in;

        Body(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (RuntimeException e) {
                throw HelidonStack.checked(e, "the request body could not be read");
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (RuntimeException e) {
                throw HelidonStack.checked(e, "the request body could not be read");
            }
        }

        @Override
        public void close() {} // Helidon reads (or drops, on a close) the rest itself
    }

    /** The answer's body: Helidon's write failures are unchecked; Proxy must see an IOException to drop the connection. */
    private static final class Out extends OutputStream {
        private final OutputStream out;

        Out(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (RuntimeException e) {
                throw HelidonStack.checked(e, "the answer could not be written");
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (RuntimeException e) {
                throw HelidonStack.checked(e, "the answer could not be written");
            }
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } catch (RuntimeException e) {
                throw HelidonStack.checked(e, "the answer could not be finished");
            }
        }
    }
}
