package gateway;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * The upstream edge: one attempt of a request at one replica, within a time limit. What an attempt
 * throws is classified by {@link Outcome#of(IOException)}; what it returns is relayed by
 * {@link Proxy}. Two implementations: {@link HttpClientUpstream} (java.net.http, the default) and
 * {@link SocketUpstream} (blocking HTTP/1.1 on pooled sockets). Implementations are thread-safe.
 */
interface Upstream extends AutoCloseable {

    /**
     * Sends one attempt and returns the answer once its head has arrived and passed
     * {@link ReplicaAnswer#malformed}; interim (1xx) answers are skipped.
     *
     * @throws IOException the attempt failed: a {@link java.net.ProtocolException} for a malformed
     *     answer, {@link java.net.http.HttpTimeoutException} for no head within {@code timeoutNanos},
     *     {@link java.net.http.HttpConnectTimeoutException} or {@link java.net.ConnectException} when
     *     no connection was made; anything else broke after the request left
     * @throws HttpError 400 when a header of the request cannot be sent
     */
    Answer send(Request request, Address replica, long timeoutNanos) throws IOException, InterruptedException;

    /** Drops pooled connections and stops whatever runs beside the upstream; in-flight attempts fail. */
    @Override
    void close();

    /**
     * What every attempt of one client request sends: made once per request.
     *
     * @param rawPath the path after the service name, as the client sent it (starts with '/')
     * @param rawQuery the raw query, or null when the target had none
     * @param headers the headers to forward, from {@link ForwardHeaders#request}
     */
    record Request(String method, String rawPath, String rawQuery, List<Map.Entry<String, String>> headers, RequestBody body) {}

    /**
     * A replica's answer: its status, headers (names case-insensitive), Content-Length or -1, and
     * body. Closing the body before its end drops the connection (it cannot carry another answer).
     */
    record Answer(int status, Map<String, List<String>> headers, long length, InputStream body) {}
}
