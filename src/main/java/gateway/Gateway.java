package gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * One running gateway: wires the store, registry, breaker and proxy to an {@link HttpServer}.
 * Holds no static state, so tests can run several in one JVM. Thread-safe.
 */
final class Gateway implements AutoCloseable {

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

    private static final Logger LOG = Log.get(Gateway.class);

    /** HttpServer's cap on open connections: read once per JVM, when its first server is made. */
    static final String MAX_CONNECTIONS_PROPERTY = "jdk.httpserver.maxConnections";

    private final HttpServer server;
    private final ExecutorService requests;
    private final Upstream upstream;
    private final Store store;
    private final Registry registry;
    private final Breaker breaker;
    private final Prober prober;
    private final Store.Watch watch;
    private final Store.Reports reports;
    private final BodyWatch bodyWatch;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final String host;
    private final String id;
    private final InFlight inFlight;
    private final HeadWatch heads;

    private Gateway(Config config, Store given, Clock clock) throws IOException {
        warnUnlessCapped(config.maxConnections());
        if (!RequestHead.seesHeadsCutShort()) {
            LOG.warning("a request head cut short by the client's hang-up cannot be told from a whole one, and is forwarded:"
                    + " run the jar (its manifest opens it) or add --add-opens " + RequestHead.OPENS + "=ALL-UNNAMED");
        }
        MeteredStore store = new MeteredStore(given);
        this.store = store;
        String bind = config.bind().getHostName(); // as configured: Config keeps the text, no lookup
        this.host = bind.contains(":") ? "[" + bind + "]" : bind;
        try {
            this.server = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 0);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + host + ":" + config.port() + ": " + e.getMessage(), e);
        }
        this.registry = new Registry(store);
        try {
            registry.refresh();
        } catch (Store.Unavailable e) {
            LOG.warning("store unreachable at start (" + e.getMessage() + "); routing waits for it to answer");
        }
        this.watch = store.watch(registry, config.resyncInterval(), clock);
        this.upstream = switch (config.upstream()) {
            case HTTPCLIENT -> new HttpClientUpstream(config.connectTimeout());
            case SOCKETS -> new SocketUpstream(config.connectTimeout(), clock);
        };
        this.reports = store.reports(clock); // in order: each replica's reports apply in the order its attempts ended
        Quarantine quarantine = config.quarantine();
        this.breaker = new Breaker(store, registry, quarantine, reports, clock);
        this.prober = Prober.start(store, registry, breaker, upstream, quarantine, config.probePath(), config.requestTimeout(), clock);
        this.id = config.gatewayId().orElseGet(() -> "gw-" + HexFormat.of().toHexDigits(new SecureRandom().nextInt()));
        this.bodyWatch = new BodyWatch(config.clientTimeout(), clock);
        RetryBudget budget = new RetryBudget(config.retryBufferBytes());
        Proxy proxy = new Proxy(registry, breaker, upstream, config.requestTimeout(), budget, bodyWatch,
                id, config.trustedProxies(), clock);
        this.requests = Threads.requests(config.executor());
        this.inFlight = new InFlight(requests, clock);
        if (config.adminToken().isNone()) {
            LOG.warning("no --admin-token: anyone who can reach this gateway can register replicas (and receive a share of"
                    + " the traffic, credentials included) or remove them; set --admin-token-file, or bind it to a private network");
        }
        this.heads = new HeadWatch(inFlight, config.headerTimeout(), clock);
        Metrics metrics = new Metrics(clock, new AccessLog(config.accessLog()), new Metrics.Sources(registry, breaker, store,
                store::errors, budget, config.retryBufferBytes(), inFlight, config.maxConnections()));
        Api api = new Api(registry, store, server.getAddress().getPort(), config.adminToken(), metrics, quarantine, clock);
        server.createContext("/", new Router(api, proxy, metrics))
                .getFilters().add(new RequestHead(heads, config.maxHeaderBytes()));
        server.setExecutor(heads); // without an executor, HttpServer serves every request on one thread
    }

    /** HttpServer's caps on a request head, in bytes and in distinct field names: read once per JVM, as above. */
    static final String MAX_HEAD_BYTES_PROPERTY = "sun.net.httpserver.maxReqHeaderSize";
    static final String MAX_HEAD_NAMES_PROPERTY = "sun.net.httpserver.maxReqHeaders";

    /**
     * Sets this process's HttpServer limits from {@code config}. Client connections are capped at
     * --max-connections: HttpServer closes any connection it accepts beyond them, unanswered. A
     * head is capped at twice --max-header-bytes and twice {@link RequestHead#MAX_FIELDS} names:
     * HttpServer closes the connection of a head over its caps unanswered, while one under them
     * but over the gateway's own limits is answered 414 or 431 (see RequestHead). Takes effect
     * only before the JVM's first HttpServer is made (the JDK reads the settings once), and holds
     * for every gateway in the process; {@link Main} calls it first thing.
     */
    static void limitProcess(Config config) {
        System.setProperty(MAX_CONNECTIONS_PROPERTY, Integer.toString(config.maxConnections()));
        System.setProperty(MAX_HEAD_BYTES_PROPERTY, Integer.toString(2 * config.maxHeaderBytes()));
        System.setProperty(MAX_HEAD_NAMES_PROPERTY, Integer.toString(2 * RequestHead.MAX_FIELDS));
    }

    private static void warnUnlessCapped(int max) {
        Integer inForce = Integer.getInteger(MAX_CONNECTIONS_PROPERTY);
        if (inForce != null && inForce == max) return;
        LOG.warning("--max-connections " + max + " is not in force: this JVM caps connections at "
                + (inForce == null || inForce <= 0 ? "none" : inForce) + " (" + MAX_CONNECTIONS_PROPERTY
                + ", read once per process before its first server)");
    }

    /** Starts a gateway on the store the config names; it is serving when this returns. */
    static Gateway start(Config config) throws IOException {
        return start(config, openStore(config));
    }

    /**
     * @throws IllegalStateException when the state file cannot be used
     */
    static Store openStore(Config config) {
        if (config.redis().isPresent()) return new RedisStore(config.redis().get(), config.keyPrefix(), config.limits());
        if (config.stateFile().isPresent()) return new MemoryStore(new StateFile(config.stateFile().get()), config.limits());
        return new MemoryStore(MemoryStore.Persistence.NONE, config.limits());
    }

    static Gateway start(Config config, Store store) throws IOException {
        return start(config, store, Clock.SYSTEM);
    }

    /** As above, every timing decision on {@code clock}: the system's, or a test's. */
    static Gateway start(Config config, Store store, Clock clock) throws IOException {
        Gateway gateway;
        try {
            gateway = new Gateway(config, store, clock);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        gateway.server.start();
        LOG.info("listening on " + gateway.uri() + " (store " + config.redis().map(RedisUrl::toString).orElse("memory") + ", executor " + config.executor()
                + ", upstream " + config.upstream() + ", failure threshold " + config.failureThreshold() + ", Via id " + gateway.id + ")");
        return gateway;
    }

    URI uri() {
        return URI.create("http://" + host + ":" + port()); // as configured: the wildcard prints as 0.0.0.0, not [::]
    }

    int port() {
        return server.getAddress().getPort();
    }

    Registry registry() {
        return registry;
    }

    Breaker breaker() {
        return breaker;
    }

    /** What brings ejected replicas back. */
    Prober prober() {
        return prober;
    }

    /** Request bodies being read now, under the client timeout. */
    BodyWatch bodyWatch() {
        return bodyWatch;
    }

    /** What keeps the registry fresh from other gateways' changes ({@link Store.Watch#NONE} on the memory store). */
    Store.Watch watch() {
        return watch;
    }

    /** What bounds the time to read request heads. */
    HeadWatch heads() {
        return heads;
    }

    /** Blocks until {@link #close} has run. */
    void awaitClose() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops at once: in-flight exchanges are cut off. */
    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /**
     * Stops accepting connections, lets in-flight exchanges finish for up to {@code grace}, then
     * releases the client and the store. An idle gateway stops at once.
     */
    void close(Duration grace) {
        if (!closing.compareAndSet(false, true)) return;
        if (grace.isPositive()) {
            // HttpServer.stop closes the listener at once, then waits up to its delay for the
            // exchanges it counts; one whose answer broke off never leaves that count (see Router),
            // so its wait would last the whole grace. It waits aside; the wait that counts is ours.
            Thread stopping = Threads.virtual("stop").newThread(() -> server.stop(seconds(grace)));
            stopping.start();
            inFlight.awaitNone(grace);
            server.stop(0); // ends the wait above
            try {
                stopping.join(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            server.stop(0);
        }
        watch.close();
        prober.close();
        heads.close();
        bodyWatch.close();
        requests.shutdownNow();
        upstream.close();
        reports.close(Duration.ofSeconds(2)); // failure reports still on their way to the store
        store.close();
        closed.countDown();
        LOG.info("stopped");
    }

    private static int seconds(Duration grace) {
        return (int) Math.min(Integer.MAX_VALUE, (grace.toMillis() + 999) / 1000);
    }
}
