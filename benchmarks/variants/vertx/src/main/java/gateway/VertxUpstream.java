package gateway;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.impl.HttpClientConnectionInternal;
import io.vertx.core.net.impl.ConnectionBase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Vert.x's HttpClient as the upstream edge, driven from the request's virtual thread: it waits for
 * each step's future, writes the body through a {@link WriteStreamOutput} and reads the answer
 * through a {@link ReadStreamInput}. Each attempt has a timer at its deadline that resets the
 * request (closing its connection), so a body that stalls or an answer that never comes ends as a
 * timeout. Keep-alive connections are pooled per replica and dropped after {@link #KEEP_ALIVE_SECONDS}
 * idle; a request that finds a reused one closed before any byte of the answer is sent once more
 * on a fresh one when its method is idempotent, as the other upstreams do. Thread-safe.
 */
final class VertxUpstream implements Upstream {

    /** Idle pooled connections are closed after this: replicas close theirs after 2 s (gunicorn) or more. */
    static final int KEEP_ALIVE_SECONDS = 1;
    /** Connections per replica, busy or idle; more requests wait for one. */
    static final int MAX_PER_REPLICA = 256;

    private final Vertx vertx;
    private final Runnable release;
    private final HttpClient client;
    private final long connectMillis;
    private final Map<Address, Target> targets = new ConcurrentHashMap<>();

    VertxUpstream(Vertx vertx, Runnable release, Duration connectTimeout) {
        this.vertx = vertx;
        this.release = release;
        this.connectMillis = Math.max(1, connectTimeout.toMillis());
        HttpClientOptions options = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setKeepAliveTimeout(KEEP_ALIVE_SECONDS)
                .setPipelining(false)
                .setDecompressionSupported(false)
                .setMaxHeaderSize(ReplicaConnection.MAX_HEAD_BYTES)
                .setMaxInitialLineLength(ReplicaConnection.MAX_HEAD_BYTES)
                .setTcpNoDelay(true)
                .setVerifyHost(true);
        this.client = vertx.httpClientBuilder()
                .with(options)
                .with(new PoolOptions().setHttp1MaxSize(MAX_PER_REPLICA))
                // on the connection's event loop as it is set up, before it carries a request
                .withConnectHandler(connection -> {
                    if (connection instanceof ConnectionBase base) StrictResponseHead.install(base.channelHandlerContext().pipeline());
                })
                .build();
    }

    @Override
    public Answer send(Request request, Address replica, long timeoutNanos) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        Target target = targets.computeIfAbsent(replica, Target::new);
        RequestOptions options = target.options(request);
        Attempt attempt = new Attempt(request, options, deadline);
        try {
            return attempt.run(false);
        } catch (Stale e) {
            try {
                return new Attempt(request, options, deadline).run(true);
            } catch (Stale never) { // a fresh connection is never stale
                throw never.failure;
            }
        }
    }

    @Override
    public void close() {
        try {
            VertxStack.await(client.close(), VertxStack.LIFECYCLE);
        } catch (IllegalStateException e) {
            // closing anyway
        }
        release.run();
    }

    /** A replica's endpoint: host, port, scheme and base path, parsed once. */
    private static final class Target {
        final String host;
        final int port;
        final boolean tls;
        final String basePath;

        Target(Address replica) {
            URI uri = URI.create(replica.url());
            this.tls = uri.getScheme().equals("https");
            String host = uri.getHost();
            this.host = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            this.port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
            this.basePath = uri.getRawPath() == null ? "" : uri.getRawPath();
        }

        RequestOptions options(Request request) {
            String path = basePath + request.rawPath();
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.valueOf(request.method()))
                    .setHost(host)
                    .setPort(port)
                    .setSsl(tls)
                    .setURI(request.rawQuery() == null ? path : path + '?' + request.rawQuery())
                    .setFollowRedirects(false);
            for (var header : request.headers()) {
                String name = header.getKey();
                String value = header.getValue();
                // what HTTP/1.1 cannot carry is the client's fault, as HttpClient and SocketUpstream refuse it
                if (!ReplicaConnection.token(name)) throw new HttpError(400, "header '" + name + "' cannot be forwarded: not a token");
                if (!ReplicaConnection.fieldValue(value)) throw new HttpError(400, "header '" + name + "' cannot be forwarded: invalid value");
                options.addHeader(name, value);
            }
            return options;
        }
    }

    /** A reused connection failed before any byte of the answer: the replica had closed it. */
    private static final class Stale extends Exception {
        final IOException failure;

        Stale(IOException failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }

    /** One try on one connection, with its deadline's timer. Used by the request's thread, and the timer. */
    private final class Attempt {
        private final Request request;
        private final RequestOptions options;
        private final long deadline;
        private volatile HttpClientRequest sent;
        private volatile boolean expired;
        private volatile WriteStreamOutput body;

        Attempt(Request request, RequestOptions options, long deadline) {
            this.request = request;
            this.options = options;
            this.deadline = deadline;
        }

        Answer run(boolean fresh) throws IOException, InterruptedException, Stale {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new HttpTimeoutException("no time left to connect");
            // rounded up: a timer that fired inside the deadline's last millisecond would end the
            // attempt as timed out while the proxy still saw time left, and answer 502 instead of 504
            long leftMillis = Math.max(1, (left + 999_999) / 1_000_000);
            boolean deadlineFirst = leftMillis < connectMillis;
            options.setConnectTimeout(Math.min(leftMillis, connectMillis));
            long timer = vertx.setTimer(leftMillis, t -> expire());
            boolean headArrived = false;
            try {
                HttpClientRequest sent;
                try {
                    sent = await(client.request(options));
                } catch (IOException e) {
                    throw connectFailure(e, deadlineFirst);
                }
                this.sent = sent;
                if (expired) sent.reset();
                boolean reused = !fresh && sent.connection() instanceof HttpClientConnectionInternal c && c.lastResponseReceivedTimestamp() > 0;
                Future<Answer> answer = sent.response().compose(this::answer);
                try {
                    writeBody(sent);
                    Answer got = await(answer);
                    headArrived = true;
                    return got;
                } catch (IOException e) {
                    if (expired && !(e instanceof ClientStream.Gone)) throw new HttpTimeoutException("no answer from the replica in time");
                    // like SocketUpstream: a reused connection the replica closed as it was taken
                    if (reused && !(e instanceof ProtocolException) && !request.body().clientFailed()
                            && Outcome.IDEMPOTENT.contains(request.method()) && request.body().replayable()) {
                        throw new Stale(e);
                    }
                    throw e;
                } finally {
                    if (!headArrived) sent.reset();
                }
            } finally {
                vertx.cancelTimer(timer);
            }
        }

        private void writeBody(HttpClientRequest sent) throws IOException {
            RequestBody body = request.body();
            if (body.absent()) {
                sent.end();
                return;
            }
            long length = body.declaredLength();
            if (length < 0) sent.setChunked(true);
            else sent.putHeader("Content-Length", Long.toString(length));
            WriteStreamOutput out = new WriteStreamOutput(sent);
            this.body = out;
            sent.exceptionHandler(out::fail);
            if (expired) out.fail(new HttpTimeoutException("deadline"));
            if (length != 0) body.writeTo(out);
            out.end();
        }

        /** On the event loop: the answer's head, checked, with its body ready to read. */
        private Future<Answer> answer(HttpClientResponse response) {
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (var header : response.headers()) headers.computeIfAbsent(header.getKey(), k -> new ArrayList<>(1)).add(header.getValue());
            int status = response.statusCode();
            var malformed = ReplicaAnswer.malformed(status, headers);
            if (malformed.isEmpty() && status == 101) malformed = java.util.Optional.of("101 Switching Protocols: an upgrade is not relayed");
            if (malformed.isPresent()) {
                sent.reset(); // its rest must not be read as the next answer
                return Future.failedFuture(new ProtocolException(malformed.get()));
            }
            List<String> lengths = headers.get("content-length");
            long length = lengths == null ? -1 : Long.parseLong(lengths.get(0)); // digits, checked by ReplicaAnswer
            if (request.method().equals("HEAD") || status == 204 || status == 304) {
                return response.end().map(v -> new Answer(status, headers, length, InputStream.nullInputStream()));
            }
            if (length >= 0 && length <= HttpClientUpstream.READ_WHOLE && !headers.containsKey("transfer-encoding")) {
                // read whole, as the other upstreams do: a break-off is a failed attempt before the client sees a byte
                return response.body().map(all -> new Answer(status, headers, length, new ByteArrayInputStream(all.getBytes())));
            }
            ReadStreamInput in = new ReadStreamInput(response);
            return Future.succeededFuture(new Answer(status, headers, headers.containsKey("transfer-encoding") ? -1 : length,
                    new Body(in, sent)));
        }

        /** The deadline passed: the request is reset, and whatever waits on it fails. */
        private void expire() {
            expired = true;
            HttpClientRequest now = sent;
            if (now != null) now.reset();
            WriteStreamOutput out = body;
            if (out != null) out.fail(new HttpTimeoutException("the request body was not through within the deadline"));
        }

        private <T> T await(Future<T> future) throws IOException, InterruptedException {
            long left = deadline - System.nanoTime();
            try {
                // the timer ends every step at the deadline; a second of slack covers a step it cannot reach
                return future.toCompletionStage().toCompletableFuture().get(Math.max(0, left) + TimeUnit.SECONDS.toNanos(1),
                        TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                expire();
                throw new HttpTimeoutException("no answer from the replica in time");
            } catch (ExecutionException e) {
                if (expired) throw new HttpTimeoutException("no answer from the replica in time");
                throw failure(e.getCause());
            }
        }
    }

    private static IOException connectFailure(IOException e, boolean deadlineFirst) {
        if (e.getCause() instanceof ConnectTimeoutException || e instanceof HttpTimeoutException) {
            if (deadlineFirst) return new HttpTimeoutException("no answer from the replica in time (connecting)");
            return new HttpConnectTimeoutException("no connection within the connect timeout: " + e.getMessage());
        }
        if (e.getCause() instanceof UnknownHostException || e.getCause() instanceof ConnectException) {
            ConnectException refused = new ConnectException(e.getMessage());
            refused.initCause(e.getCause());
            return refused;
        }
        return e;
    }

    /** What a failed future holds, as the IOException Outcome.of classifies. */
    private static IOException failure(Throwable cause) {
        if (cause instanceof ProtocolException p) return p;
        if (cause instanceof DecoderException || cause instanceof IllegalArgumentException || cause instanceof IllegalStateException) {
            // Netty's decoder refused the answer's head (TooLongFrameException is a DecoderException)
            return new ProtocolException("the replica's answer is malformed: " + cause.getMessage());
        }
        if (cause instanceof IOException io && !(cause instanceof ConnectException)) return new IOException(io.getMessage(), io);
        return new IOException(String.valueOf(cause.getMessage()), cause);
    }

    /** A streamed answer's body: closed before its end, its connection is dropped, not pooled. */
    private static final class Body extends InputStream {
        private final ReadStreamInput in;
        private final HttpClientRequest request;

        Body(ReadStreamInput in, HttpClientRequest request) {
            this.in = in;
            this.request = request;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public int available() {
            return in.available();
        }

        @Override
        public void close() {
            if (!in.ended()) request.reset();
        }
    }
}
