package gateway;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;

/**
 * The inbound edge: one client request as the core sees it, whichever HTTP server read it, and the
 * way to answer it. The names and the meaning of each method are HttpExchange's, so the default
 * server's adapter ({@link JdkExchange}) only delegates; {@link Headers} is the JDK's public
 * case-insensitive header map, usable without its server. Used by the request's own thread only.
 */
interface Exchange {

    String getRequestMethod();

    /** The request target as sent: raw path and query. */
    URI getRequestURI();

    /** "HTTP/1.1" or "HTTP/1.0". */
    String getProtocol();

    Headers getRequestHeaders();

    InetSocketAddress getRemoteAddress();

    /** The request body, already de-chunked; empty when there is none. */
    InputStream getRequestBody();

    /** The answer's headers, written by {@link #sendResponseHeaders}. */
    Headers getResponseHeaders();

    /**
     * Sends the status line and headers. {@code length}: the body's length, 0 for a body of unknown
     * length (chunked), -1 for none.
     */
    void sendResponseHeaders(int status, long length) throws IOException;

    OutputStream getResponseBody();

    /** The status sent, or -1 before one was. */
    int getResponseCode();

    /** Ends the exchange; the connection is kept for the next request when its framing allows. */
    void close();

    /**
     * Answers {@code status} with a JSON error and closes the connection without waiting for what
     * is left of the request body, which may never come. Never throws: an answer that cannot go out
     * any more (one had begun, or the client is gone) is only logged.
     */
    void refuse(int status, String message, Map<String, ?> extra);
}
