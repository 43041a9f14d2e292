package gateway;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The default upstream: java.net.http.HttpClient, HTTP/1.1 only, no redirects, its own pool of
 * keep-alive connections and its tasks on virtual threads. Thread-safe.
 */
final class HttpClientUpstream implements Upstream {

    static final String UPSTREAM_KEEPALIVE_PROPERTY = "jdk.httpclient.keepalive.timeout";

    /**
     * How long HttpClient keeps an idle upstream connection, in the whole seconds it counts in:
     * the shortest. It expires a connection at the next whole second past this and its selector
     * thread closes it up to 3 s later (measured: 2.3-3.0 s), so no connection idle for more than
     * ~3 s is reused: safe with replicas that keep idle connections 5 s (Node.js, uvicorn, Apache
     * httpd) or longer (the JDK's HttpServer 30 s, nginx 75 s), not with shorter ones (gunicorn 2 s).
     */
    static final int UPSTREAM_KEEPALIVE_SECONDS = 1;

    static {
        // HttpClient silently retries a refused connect once; each attempt must be one counted
        // failure. Read once, when the client's classes load: set before any client exists.
        System.setProperty("jdk.httpclient.disableRetryConnect", "true");
        // A pooled connection that the replica closes for idleness races the next request on it:
        // one written just as it closes fails before any byte of the answer. HttpClient then
        // resends a GET or HEAD (ConnectionExpiredException) but not a POST, rightly: the same
        // failure follows a request the replica received and acted on. So pooled connections are
        // dropped well before common servers drop theirs (see UPSTREAM_KEEPALIVE_SECONDS); an
        // operator may choose otherwise with -Djdk.httpclient.keepalive.timeout=N.
        if (System.getProperty(UPSTREAM_KEEPALIVE_PROPERTY) == null) {
            System.setProperty(UPSTREAM_KEEPALIVE_PROPERTY, String.valueOf(UPSTREAM_KEEPALIVE_SECONDS));
        }
    }

    /** Response bodies of a known length up to this size are read whole before relaying; others stream. */
    static final int READ_WHOLE = 64 * 1024;

    /**
     * A small body of known length arrives as one array (no stream machinery, no 16 KiB copy
     * buffer, and a break-off surfaces as a failed attempt before the client has seen a byte);
     * any other body is streamed.
     */
    private static final HttpResponse.BodyHandler<InputStream> BODY = info -> {
        var malformed = ReplicaAnswer.malformed(info.statusCode(), info.headers().map());
        if (malformed.isPresent()) return ReplicaAnswer.refused(malformed.get());
        long length = info.headers().firstValueAsLong("content-length").orElse(-1);
        return length >= 0 && length <= READ_WHOLE
                ? HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(), ByteArrayInputStream::new)
                : HttpResponse.BodySubscribers.ofInputStream();
    };

    private final ExecutorService tasks = Executors.newThreadPerTaskExecutor(Threads.virtual("upstream"));
    private final HttpClient client;
    private final LazyTls tls = new LazyTls();

    HttpClientUpstream(Duration connectTimeout) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(tls) // made on the first https attempt, not at start
                .sslParameters(LazyTls.PARAMETERS) // else the client asks the context for its defaults at once
                .executor(tasks)
                .build();
    }

    /** The TLS context this client's https attempts use: the JDK's default, made when first needed. */
    LazyTls tls() {
        return tls;
    }

    @Override
    public Answer send(Request request, Address replica, long timeoutNanos) throws IOException, InterruptedException {
        HttpResponse<InputStream> response;
        try {
            response = client.send(build(request, replica, timeoutNanos), BODY);
        } catch (IllegalArgumentException e) {
            // HttpClient parses a Content-Length itself (NumberFormatException) even when BODY refused the answer
            throw new ProtocolException("Content-Length is not a number (" + e.getMessage() + ")");
        }
        return new Answer(response.statusCode(), response.headers().map(),
                response.headers().firstValueAsLong("content-length").orElse(-1), response.body());
    }

    private static HttpRequest build(Request request, Address replica, long timeoutNanos) {
        RequestBody body = request.body();
        HttpRequest.Builder builder = HttpRequest.newBuilder(replica.resolve(request.rawPath(), request.rawQuery()))
                .timeout(Duration.ofNanos(timeoutNanos));
        if (!body.absent()) builder.method(request.method(), body.publisher());
        for (var header : request.headers()) {
            try {
                builder.header(header.getKey(), header.getValue());
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "header '" + header.getKey() + "' cannot be forwarded: " + e.getMessage());
            }
        }
        return body.absent() ? BodilessRequest.of(builder, request.method()) : builder.build();
    }

    @Override
    public void close() {
        client.shutdownNow();
        tasks.shutdownNow();
    }
}
