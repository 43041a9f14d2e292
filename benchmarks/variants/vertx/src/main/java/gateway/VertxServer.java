package gateway;

import com.sun.net.httpserver.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.List;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Vert.x's HttpServer as the gateway's inbound edge. On the event loop it only takes each request
 * (its head checked by {@link RequestHead#refusal}, as HttpServer's filter does), then hands it to
 * the router on a virtual thread of its own. It caps open connections at --max-connections (one
 * more is closed unanswered, as HttpServer does) and closes a connection that has not sent a whole
 * head within --header-timeout-ms of being idle, on the gateway's {@link Clock}. A client's
 * half-close ends its connection as on HttpServer: after the answer to a whole head, at once
 * otherwise. Thread-safe.
 */
final class VertxServer implements Stack.Server {

    private static final Logger LOG = Log.get(VertxServer.class);

    private final HttpServer server;
    private final HttpServerOptions options;
    private final Runnable release;
    private final ExecutorService requests;
    private final Executor counted;
    private final InFlight inFlight;
    private final int maxHeaderBytes;
    private final int maxConnections;
    private final Duration headerTimeout;
    private final Clock clock;
    private final Supervisor ticker;
    private final CompletableFuture<Router> router = new CompletableFuture<>();
    private final Map<HttpConnection, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();

    private VertxServer(Vertx vertx, Runnable release, Config config, InFlight inFlight, Clock clock) {
        this.release = release;
        this.inFlight = inFlight;
        this.requests = Threads.requests(config.executor());
        this.counted = inFlight.over(requests);
        this.maxHeaderBytes = config.maxHeaderBytes();
        this.maxConnections = config.maxConnections();
        this.headerTimeout = config.headerTimeout();
        this.clock = clock;
        this.ticker = HeadWatch.ticker(headerTimeout, clock, this::cutLate);
        // Netty's own caps at twice the gateway's limits, as JdkStack sets HttpServer's: a head
        // under them but over --max-header-bytes gets RequestHead's 414 or 431.
        int cap = (int) Math.min(Integer.MAX_VALUE, 2L * config.maxHeaderBytes());
        HttpServerOptions options = new HttpServerOptions()
                .setHost(config.bind().getHostAddress())
                .setPort(config.port())
                .setMaxHeaderSize(cap)
                .setMaxInitialLineLength(cap)
                .setHandle100ContinueAutomatically(true) // as HttpServer, which answers 100 before the handler runs
                // HTTP/1.1 only, as HttpServer: the pipeline is then set up as the connection opens
                // (no sniffing for an HTTP/2 preface), so connected() sees it before any byte is read
                .setHttp2ClearTextEnabled(false)
                .setCompressionSupported(false)
                .setDecompressionSupported(false)
                .setTcpNoDelay(true);
        this.options = options;
        this.server = vertx.createHttpServer(options)
                .connectionHandler(this::connected)
                .invalidRequestHandler(this::invalid)
                .requestHandler(this::request);
    }

    static VertxServer bind(Vertx vertx, Runnable release, Config config, InFlight inFlight, Clock clock) throws IOException {
        VertxServer server = new VertxServer(vertx, release, config, inFlight, clock);
        try {
            VertxStack.await(server.server.listen(), VertxStack.LIFECYCLE);
        } catch (IllegalStateException e) {
            server.ticker.close();
            server.requests.shutdownNow();
            release.run();
            throw new IOException(e.getMessage(), e.getCause());
        }
        return server;
    }

    @Override
    public int port() {
        return server.actualPort();
    }

    @Override
    public void start(Router router) {
        this.router.complete(router);
    }

    /** On the event loop: one more connection, closed at once beyond the cap. */
    private void connected(HttpConnection connection) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            connection.close();
            return;
        }
        // synchronously on the event loop that set the connection up, before it reads any byte
        if (connection instanceof ConnectionBase base && base.channelHandlerContext().pipeline().get("httpDecoder") != null) {
            base.channelHandlerContext().pipeline().replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(options));
        }
        Connection state = new Connection(connection);
        if (connection instanceof ConnectionBase base) {
            // the client's half-close is seen, not taken for a reset: a whole head before it is answered
            base.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            base.channelHandlerContext().pipeline().addFirst("inputEnd", new InputEnd(state));
        }
        connections.put(connection, state);
        connection.closeHandler(v -> {
            connections.remove(connection);
            open.decrementAndGet();
            state.cancel();
        });
        state.await();
    }

    /** On the event loop: a head Netty could not parse, or over its caps. Answered as the core answers errors. */
    private void invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof HttpError refusal) { // StrictRequestDecoder's: the version
            refuse(request, refusal.status, refusal.getMessage());
        } else if (cause instanceof TooLongHttpLineException) {
            refuse(request, 414, "the request line is longer than " + maxHeaderBytes + " bytes");
        } else if (cause instanceof TooLongHttpHeaderException) {
            refuse(request, 431, "the request head is over " + maxHeaderBytes + " bytes");
        } else {
            refuse(request, 400, "the request head is malformed: " + (cause == null ? "unreadable" : cause.getMessage()));
        }
    }

    /**
     * On the event loop: a small JSON error, then the connection closes (the rest of the request is
     * never read). Written as bytes under Vert.x's encoder, so that the status line says HTTP/1.1
     * even when the request line could not be read (Vert.x would answer such a request HTTP/1.0).
     */
    static void refuse(HttpServerRequest request, int status, String message) {
        if (!(request.connection() instanceof ConnectionBase base)) {
            request.connection().close();
            return;
        }
        byte[] json = Json.errorBytes(message);
        String head = "HTTP/1.1 " + status + " " + HttpResponseStatus.valueOf(status).reasonPhrase() + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + json.length + "\r\nConnection: close\r\n\r\n";
        ByteBuf bytes = Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.ISO_8859_1), json);
        base.channelHandlerContext().pipeline().firstContext().writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Transfer-Encoding as HttpServer takes it: "chunked" alone, once (anything else is 501, not
     * read to the end of the connection as Netty would), and never beside a Content-Length (400).
     */
    private static HttpError framing(Headers headers) {
        List<String> codings = headers.get("Transfer-Encoding");
        if (codings == null) return null;
        if (codings.size() != 1 || !codings.get(0).strip().equalsIgnoreCase("chunked")) {
            return new HttpError(501, "Transfer-Encoding '" + String.join(", ", codings) + "' is not implemented; 'chunked' alone is");
        }
        if (headers.containsKey("Content-Length")) return new HttpError(400, "both Content-Length and Transfer-Encoding (RFC 9112 §6.3)");
        return null;
    }

    /** On the event loop: checks the head, then hands the request to a virtual thread of its own. */
    private void request(HttpServerRequest request) {
        Connection connection = connections.get(request.connection());
        if (connection != null) connection.begin(request);
        URI uri;
        try {
            uri = new URI(request.uri());
        } catch (URISyntaxException e) {
            refuse(request, 400, "the request target is not a URI: " + e.getMessage());
            return;
        }
        VertxExchange exchange = new VertxExchange(request, uri);
        if (connection != null) request.response().endHandler(v -> connection.idle());
        HttpError refusal = framing(exchange.getRequestHeaders());
        if (refusal == null) refusal = RequestHead.refusal(exchange, maxHeaderBytes);
        if (refusal != null) {
            refuse(request, refusal.status, refusal.getMessage());
            return;
        }
        try {
            counted.execute(() -> serve(exchange));
        } catch (RejectedExecutionException e) {
            exchange.drop(); // stopping
        }
    }

    private void serve(VertxExchange exchange) {
        try {
            router.join().handle(exchange);
        } catch (IOException | RuntimeException e) {
            exchange.drop(); // the answer broke off (see Router): the client must not take it for whole
        }
    }

    @Override
    public void stop(Duration grace) {
        // No new connections; idle ones close now, busy ones after their answer (Vert.x's shutdown of HTTP/1.x).
        var shutdown = server.shutdown(Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS);
        if (grace.isPositive()) inFlight.awaitNone(grace);
        try {
            VertxStack.await(server.close(), VertxStack.LIFECYCLE); // whatever is left is cut off
            VertxStack.await(shutdown, VertxStack.LIFECYCLE);
        } catch (IllegalStateException e) {
            LOG.fine("server stop: " + e.getMessage());
        }
        ticker.close();
        requests.shutdownNow();
        release.run();
    }

    /**
     * On the event loop: the client has closed its side (a half-close). A connection with no head
     * to answer is closed unanswered, as HttpServer closes it, before the decoder can take a head cut
     * short for a malformed one, and so is one whose body is cut short; a whole request is answered
     * first, then its connection closed.
     */
    private static final class InputEnd extends ChannelInboundHandlerAdapter {
        private final Connection connection;

        InputEnd(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent && connection.inputEnded()) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(event);
        }
    }

    /** Each tick of the head watch (HeadWatch.ticker): every connection's wait for a head. */
    private void cutLate(long now) {
        for (Connection connection : connections.values()) connection.cutIfLate(now, headerTimeout.toNanos());
    }

    /**
     * One client connection's wait for a head: from when it opened, or its last answer ended, until
     * a head arrives. Vert.x cannot see a head's first byte, so an idle keep-alive connection is
     * closed after the same time. Thread-safe.
     */
    private final class Connection {
        /** A wait for a head: since when, and how many heads had come before it. */
        private record Waiting(long since, long seen) {}

        private final HttpConnection connection;
        private final AtomicLong heads = new AtomicLong();
        private final AtomicLong answered = new AtomicLong();
        /** The wait in progress, or null while a head is being answered. */
        private final AtomicReference<Waiting> waiting = new AtomicReference<>();
        private volatile boolean inputEnded;
        /** The last request whose head arrived (event loop). */
        private HttpServerRequest current;

        Connection(HttpConnection connection) {
            this.connection = connection;
        }

        /** A head arrived (event loop). */
        void begin(HttpServerRequest request) {
            current = request;
            heads.incrementAndGet();
            cancel();
        }

        /** An answer ended (any thread): the next head is awaited from now on, unless the client sends no more. */
        void idle() {
            answered.incrementAndGet();
            if (inputEnded) {
                connection.close();
            } else {
                await();
            }
        }

        /**
         * The client sends no more (event loop). True when the connection should close now: no head
         * is being answered, or the one that is has a body cut short (Netty would wait for the rest
         * of it; the close fails it, as a reset does). Else it closes after the answer.
         */
        boolean inputEnded() {
            inputEnded = true;
            return answered.get() >= heads.get() || (current != null && !current.isEnded());
        }

        /** The wait for a head starts now, unless a head is already in. */
        void await() {
            long seen = heads.get();
            if (answered.get() < seen) return; // pipelined: a later request is already in
            waiting.set(new Waiting(clock.nanoTime(), seen));
        }

        void cancel() {
            waiting.set(null);
        }

        /** Closes the connection when its wait is over the limit and no head has come since (the watch's thread). */
        void cutIfLate(long now, long limitNanos) {
            Waiting wait = waiting.get();
            if (wait != null && now - wait.since() >= limitNanos && heads.get() == wait.seen() && answered.get() >= wait.seen()) {
                connection.close();
            }
        }
    }
}
