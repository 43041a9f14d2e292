package gateway;

import io.helidon.http.Headers;
import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.http.encoding.ContentEncodingContextConfig;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The helidon variant: Helidon SE 4 WebServer inbound, {@link HelidonUpstream} (Helidon's
 * HTTP/1.1 WebClient) upstream. Helidon already runs each connection on a virtual thread of its
 * own, so the router is called on it directly, blocking, as on the default stack. What Helidon's
 * server lacks of the request edge's limits (the header timeout, closing connections beyond
 * --max-connections) {@link HelidonConnections} adds. Thread-safe.
 */
public final class HelidonStack implements Stack {

    private static final Logger LOG = Log.get(HelidonStack.class);

    /**
     * Helidon's own caps on a request head, as multiples of --max-header-bytes: a head over them is
     * answered by Helidon (in JSON, see {@link HelidonRefusals}) and the connection closed; one under them but
     * over the gateway's own limits is refused by {@link RequestHead#refusal} in JSON, as on the default stack.
     */
    private static final int HEAD_CAP_FACTOR = 2;

    @Override
    public String name() {
        return "helidon";
    }

    @Override
    public Stack.Server bind(Config config, InFlight inFlight, Clock clock) throws IOException {
        quietLogging();
        Http1Config http1 = Http1Config.builder()
                .maxPrologueLength(HEAD_CAP_FACTOR * config.maxHeaderBytes())
                .maxHeadersSize(HEAD_CAP_FACTOR * config.maxHeaderBytes())
                // the core checks paths itself (RequestPath); Helidon's checks would
                // answer some targets the default stack forwards with a non-JSON 400
                .validatePath(false)
                .validatePrologue(false)
                .build();
        HelidonConnections connections = new HelidonConnections(Http1ConnectionSelector.builder().config(http1).build(),
                config.maxConnections(), config.headerTimeout(), clock);
        Server server = new Server(inFlight, connections, config.maxHeaderBytes());
        WebServer web;
        try {
            web = WebServer.builder()
                    .address(config.bind())
                    .port(config.port())
                    // HTTP/1.1 through HelidonConnections alone, which caps connections at
                    // --max-connections and times request heads (no protocols discovered beside it)
                    .protocolsDiscoverServices(false)
                    .addConnectionSelector(connections)
                    // unbuffered: a status line and headers go out when sendResponseHeaders is
                    // called, as HttpServer sends them; bodies are copied in 16 KiB pieces anyway
                    .writeBufferSize(0)
                    .contentEncoding(PASS_THROUGH_CODINGS)
                    // a stop with grace waits for the requests in flight itself (see Server.stop)
                    .shutdownGracePeriod(Duration.ofMillis(100))
                    .directHandlers(HelidonRefusals.all(connections))
                    .routing(routing -> routing.any(server::handle))
                    .build()
                    .start();
        } catch (UncheckedIOException e) {
            connections.close();
            throw e.getCause();
        } catch (IllegalStateException e) {
            connections.close();
            // Helidon reports a port in use as an IllegalStateException around the BindException
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        if (!web.isRunning()) {
            connections.close();
            throw new IOException("Helidon could not listen (its log above says why)");
        }
        server.web = web;
        return server;
    }

    @Override
    public Upstream upstream(Config config, Clock clock) {
        return new HelidonUpstream(config.connectTimeout());
    }

    /**
     * Helidon logs its start, its features and each listener at INFO through JUL; the gateway
     * says it is listening itself, on stderr, and stdout carries only the "listening" line.
     */
    private static void quietLogging() {
        Logger.getLogger("io.helidon").setLevel(Level.WARNING);
    }

    /** The running Helidon WebServer: it answers once {@link #start} has given it the router. Thread-safe. */
    private static final class Server implements Stack.Server {

        private final InFlight inFlight;
        private final HelidonConnections connections;
        private final int maxHeaderBytes;
        private final CountDownLatch started = new CountDownLatch(1);
        private volatile WebServer web;
        private volatile Router router;
        private volatile boolean stopping;

        Server(InFlight inFlight, HelidonConnections connections, int maxHeaderBytes) {
            this.inFlight = inFlight;
            this.connections = connections;
            this.maxHeaderBytes = maxHeaderBytes;
        }

        @Override
        public int port() {
            return web.port();
        }

        @Override
        public void start(Router router) {
            this.router = router;
            started.countDown();
        }

        /**
         * One request, on Helidon's virtual thread for its connection. An exception that escapes the
         * router, and an answer that asked for the connection to close, end in a
         * {@link CloseConnectionException}: Helidon then closes the socket without finishing a
         * chunked body and without reading what is left of the request's.
         */
        private void handle(ServerRequest request, ServerResponse response) {
            inFlight.enter();
            try {
                connections.headArrived(); // or, when it came too late, the connection is closed unanswered
                started.await(); // bound before start: a request that came early waits for the router
                HelidonExchange exchange = HelidonExchange.of(request, response);
                if (stopping) {
                    exchange.refuse(503, "the gateway is shutting down", Map.of());
                } else {
                    HttpError refusal = RequestHead.refusal(exchange, maxHeaderBytes);
                    if (refusal != null) {
                        exchange.refuse(refusal.status, refusal.getMessage(), Map.of());
                    } else {
                        router.handle(exchange);
                    }
                }
                if (exchange.closesConnection()) throw new CloseConnectionException("the answer closes the connection");
                connections.answered();
            } catch (CloseConnectionException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new CloseConnectionException("the answer broke off: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloseConnectionException("stopped before the gateway started");
            } finally {
                inFlight.exit();
            }
        }

        @Override
        public void stop(Duration grace) {
            stopping = true; // what arrives from now on is refused (Helidon cannot close its listener alone)
            if (grace.isPositive()) inFlight.awaitNone(grace);
            web.stop(); // closes the listener, then every connection, after its short grace period
            connections.close();
        }
    }

    /**
     * Content codings are end to end (RFC 9110 §8.4): the gateway passes a body on as it came, with
     * its Content-Encoding. By default Helidon's server decodes a request body and answers 400 to a
     * coding it has no decoder for (gzip included, as the variant ships), and with decoding off it
     * answers 400 to any Content-Encoding at all; its client would decode answers in any coding
     * it finds a decoder for on the class path (none ships today). So this context
     * "decodes" every coding by leaving the bytes as they are, and encodes nothing.
     */
    static final ContentEncodingContext PASS_THROUGH_CODINGS = new PassThroughCodings();

    private static final class PassThroughCodings implements ContentEncodingContext {
        @Override
        public boolean contentDecodingEnabled() {
            return true;
        }

        @Override
        public boolean contentDecodingSupported(String coding) {
            return true;
        }

        @Override
        public ContentDecoder decoder(String coding) {
            return ContentDecoder.NO_OP;
        }

        @Override
        public boolean contentEncodingEnabled() {
            return false;
        }

        @Override
        public boolean contentEncodingSupported(String coding) {
            return false;
        }

        @Override
        public ContentEncoder encoder(Headers requestHeaders) {
            return ContentEncoder.NO_OP;
        }

        @Override
        public ContentEncoder encoder(String coding) {
            throw new NoSuchElementException("the gateway encodes nothing: " + coding);
        }

        @Override
        public ContentEncodingContextConfig prototype() {
            return ContentEncodingContextConfig.builder().contentEncodingsDiscoverServices(false).buildPrototype();
        }
    }

    /**
     * Helidon's I/O failures are unchecked; the core must see an IOException to drop the
     * connection: the one inside an UncheckedIOException, or one saying {@code what} failed.
     */
    static IOException checked(RuntimeException e, String what) {
        return e instanceof UncheckedIOException unchecked ? unchecked.getCause() : new IOException(what + ": " + e.getMessage(), e);
    }

}
