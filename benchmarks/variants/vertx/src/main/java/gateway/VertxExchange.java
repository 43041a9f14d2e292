package gateway;

import com.sun.net.httpserver.Headers;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * {@link Exchange} over a Vert.x server request, used from the request's virtual thread: the body
 * comes through a {@link ReadStreamInput} the event loop feeds, the answer goes out through a
 * {@link WriteStreamOutput}. Made on the event loop (which hands the body over from then on).
 * One request's thread, but for the client timeout's 408, which another thread may send.
 */
final class VertxExchange implements Exchange {

    private static final Logger LOG = Log.get(VertxExchange.class);

    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final URI uri;
    private final Headers requestHeaders = new Headers();
    private final Headers responseHeaders = new Headers();
    private final ReadStreamInput body;
    private final WriteStreamOutput out;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile int status = -1;

    VertxExchange(HttpServerRequest request, URI uri) {
        this.request = request;
        this.response = request.response();
        this.uri = uri;
        for (var header : request.headers()) requestHeaders.add(header.getKey(), header.getValue());
        this.body = new ReadStreamInput(request);
        this.out = new WriteStreamOutput(response);
        // A body Netty cannot decode (a bad chunk) fails the connection, which Vert.x then closes:
        // the 400 goes out first, from here on the event loop, while the connection is still there.
        request.exceptionHandler(e -> {
            if (!(e instanceof HttpClosedException) && status == -1 && finished.compareAndSet(false, true)) {
                VertxServer.refuse(request, 400, "the request body could not be read: " + e.getMessage());
            }
            body.fail(e);
        });
        // a client gone mid-answer: a writer waiting for room wakes up and fails
        response.closeHandler(v -> out.fail(new IOException("the client closed the connection")));
        response.exceptionHandler(out::fail);
    }

    /** The version as sent: Vert.x names only 1.0 and 1.1, RequestHead refuses the others by their own text. */
    static String protocol(HttpServerRequest request) {
        // StrictRequestDecoder lets no other version through (it refuses some and reads a higher 1.x as 1.1)
        return request.version() == HttpVersion.HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1";
    }

    @Override
    public String getRequestMethod() {
        return request.method().name();
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getProtocol() {
        return protocol(request);
    }

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        var peer = request.remoteAddress();
        try {
            return new InetSocketAddress(InetAddress.getByName(peer.hostAddress()), peer.port()); // a literal: no lookup
        } catch (UnknownHostException e) {
            return InetSocketAddress.createUnresolved(peer.hostAddress(), peer.port());
        }
    }

    @Override
    public InputStream getRequestBody() {
        return body;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    /** Nothing goes out yet: Vert.x writes the head with the first piece of the body, or with its end. */
    @Override
    public void sendResponseHeaders(int status, long length) throws IOException {
        if (this.status != -1) throw new IllegalStateException("the answer's headers were already sent");
        if (finished.get()) throw new IOException("the exchange is over");
        response.setStatusCode(status);
        var headers = response.headers();
        for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) headers.add(header.getKey(), header.getValue());
        boolean head = request.method().name().equals("HEAD");
        if (length > 0 && !head) {
            headers.set("Content-Length", Long.toString(length));
        } else if (length == 0 && !head) {
            response.setChunked(true);
        }
        this.status = status;
    }

    @Override
    public OutputStream getResponseBody() {
        return out;
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    /**
     * Ends the answer (what a body left open has, or none) and, once it is out, closes the
     * connection if the answer says {@code Connection: close}; what the handler left unread of the
     * request body is read and dropped, so that the connection can take its next request.
     */
    @Override
    public void close() {
        if (!finished.compareAndSet(false, true)) return;
        try {
            var ended = out.ended() ? null : out.end();
            if (closesConnection()) {
                if (ended == null) request.connection().close();
                else ended.onComplete(done -> request.connection().close());
            }
        } catch (IOException | IllegalStateException e) {
            LOG.fine("answer not finished: " + e.getMessage());
            drop();
            return;
        }
        if (!body.ended()) body.discard();
    }

    private boolean closesConnection() {
        String connection = response.headers().get("Connection");
        return connection != null && connection.toLowerCase(java.util.Locale.ROOT).contains("close");
    }

    /** Closes the connection at once: an answer that broke off must not look whole, and nothing else is read. */
    void drop() {
        finished.set(true);
        body.discard();
        request.connection().close();
    }

    @Override
    public void refuse(int status, String message, Map<String, ?> extra) {
        try {
            responseHeaders.set("Connection", "close");
            OutputStream answer = Json.errorUnclosed(this, status, message, extra); // null for HEAD
            if (answer != null) answer.close();
            else out.end();
            finished.set(true);
        } catch (IOException | IllegalStateException e) {
            LOG.fine("could not send " + status + ": " + e.getMessage()); // an answer had begun, or the client is gone
        }
        drop(); // after the answer, which Vert.x writes out before it closes
    }
}
