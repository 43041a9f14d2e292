package gateway;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * One running gateway: wires the store, registry, breaker and proxy between the two edges of a
 * {@link Stack}. Holds no static state, so tests can run several in one JVM. Thread-safe.
 */
final class Gateway implements AutoCloseable {

    private static final Logger LOG = Log.get(Gateway.class);

    private final Stack.Server server;
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
    private final Router router;
    private final String stackName;
    private final InFlight inFlight;

    private Gateway(Config config, Stack stack, Store given, Clock clock) throws IOException {
        MeteredStore store = new MeteredStore(given);
        this.store = store;
        String bind = config.bind().getHostName(); // as configured: Config keeps the text, no lookup
        this.host = bind.contains(":") ? "[" + bind + "]" : bind;
        this.inFlight = new InFlight(clock);
        try {
            this.server = stack.bind(config, inFlight, clock);
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
        this.upstream = stack.upstream(config, clock);
        this.reports = store.reports(clock); // in order: each replica's reports apply in the order its attempts ended
        Quarantine quarantine = config.quarantine();
        this.breaker = new Breaker(store, registry, quarantine, reports, clock);
        this.prober = Prober.start(store, registry, breaker, upstream, quarantine, config.probePath(), config.requestTimeout(), clock);
        // Distinct, not secret (answers carry it in Via): a time-seeded random spares every start the
        // security provider that SecureRandom loads (~20 ms)
        this.id = config.gatewayId().orElseGet(() -> "gw-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        this.bodyWatch = new BodyWatch(config.clientTimeout(), clock);
        RetryBudget budget = new RetryBudget(config.retryBufferBytes());
        Proxy proxy = new Proxy(registry, breaker, upstream, config.requestTimeout(), budget, bodyWatch,
                id, config.trustedProxies(), clock);
        if (config.adminToken().isNone()) {
            LOG.warning("no --admin-token: anyone who can reach this gateway can register replicas (and receive a share of"
                    + " the traffic, credentials included) or remove them; set --admin-token-file, or bind it to a private network");
        }
        Metrics metrics = new Metrics(clock, new AccessLog(config.accessLog()), new Metrics.Sources(registry, breaker, store,
                store::errors, budget, config.retryBufferBytes(), inFlight, config.maxConnections()));
        Api api = new Api(registry, store, server.port(), config.adminToken(), metrics, quarantine, clock);
        this.router = new Router(api, proxy, metrics);
        this.stackName = stack.name();
    }

    /** Requests taken and not yet done, as /metrics reports them (a request is counted in /metrics before it is done). */
    int requestsInFlight() {
        return inFlight.count();
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
        return start(config, Stack.load(), store, clock);
    }

    /** As above, on the given HTTP stack. */
    static Gateway start(Config config, Stack stack, Store store, Clock clock) throws IOException {
        Gateway gateway;
        try {
            gateway = new Gateway(config, stack, store, clock);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        gateway.server.start(gateway.router);
        LOG.info("listening on " + gateway.uri() + " (store " + config.redis().map(RedisUrl::toString).orElse("memory") + ", executor " + config.executor()
                + ", stack " + gateway.stackName + ", failure threshold " + config.failureThreshold() + ", Via id " + gateway.id + ")");
        return gateway;
    }

    URI uri() {
        return URI.create("http://" + host + ":" + port()); // as configured: the wildcard prints as 0.0.0.0, not [::]
    }

    int port() {
        return server.port();
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
        server.stop(grace);
        watch.close();
        prober.close();
        bodyWatch.close();
        upstream.close();
        reports.close(Duration.ofSeconds(2)); // failure reports still on their way to the store
        store.close();
        closed.countDown();
        LOG.info("stopped");
    }
}
