package gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.logging.Logger;

/** {@link Exchange} over the JDK's HttpServer: plain delegation, but for {@link #refuse}. One request's thread only. */
final class JdkExchange implements Exchange {

    private static final Logger LOG = Log.get(JdkExchange.class);

    private final HttpExchange exchange;

    JdkExchange(HttpExchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public String getRequestMethod() {
        return exchange.getRequestMethod();
    }

    @Override
    public URI getRequestURI() {
        return exchange.getRequestURI();
    }

    @Override
    public String getProtocol() {
        return exchange.getProtocol();
    }

    @Override
    public Headers getRequestHeaders() {
        return exchange.getRequestHeaders();
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return exchange.getRemoteAddress();
    }

    @Override
    public InputStream getRequestBody() {
        return exchange.getRequestBody();
    }

    @Override
    public Headers getResponseHeaders() {
        return exchange.getResponseHeaders();
    }

    @Override
    public void sendResponseHeaders(int status, long length) throws IOException {
        exchange.sendResponseHeaders(status, length);
    }

    @Override
    public OutputStream getResponseBody() {
        return exchange.getResponseBody();
    }

    @Override
    public int getResponseCode() {
        return exchange.getResponseCode();
    }

    @Override
    public void close() {
        exchange.close();
    }

    /**
     * HttpServer would otherwise wait, as long as the client likes, for up to 64 KiB of the body
     * when the exchange is closed (LeftOverInputStream.drain, a blocking read that never times out).
     */
    @Override
    public void refuse(int status, String message, Map<String, ?> extra) {
        OutputStream body = null;
        try {
            exchange.getResponseHeaders().set("Connection", "close");
            body = Json.errorUnclosed(this, status, message, extra); // out and flushed; null for HEAD
        } catch (IOException | IllegalStateException e) {
            LOG.fine("could not send " + status + ": " + e.getMessage()); // an answer had begun, or the client is gone
        }
        // A blocked channel read ends by closing its channel: the only way the JDK offers. The
        // interrupt makes the drain's first read from the socket fail at once (a body already
        // buffered is still read whole); HttpServer then closes the connection, as asked.
        Thread.currentThread().interrupt();
        try {
            if (body != null) body.close(); // ends the exchange: the server counts it finished
        } catch (IOException e) {
            LOG.fine("could not finish " + status + ": " + e.getMessage());
        } finally {
            exchange.close();
            Thread.interrupted();
        }
    }
}
