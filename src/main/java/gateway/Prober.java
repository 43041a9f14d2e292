package gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Brings ejected replicas back: once a tick ({@link #TICK}, on the clock) it reads the ejected
 * addresses from the store, claims each one whose probe is due (only one gateway of those sharing
 * the store wins a claim), and sends it one {@code GET} of the probe path, at most
 * {@link #MAX_PROBES} at a time, on virtual threads of its own, never a request's. An answer below
 * 500 lets it rejoin its services; a refused connection, a timeout or a 5xx ejects it for longer. A
 * probe is never a report to the breaker. It also tells the breaker which addresses are
 * recovering. Runs under a {@link Supervisor}. Thread-safe.
 */
final class Prober implements AutoCloseable {

    private static final Logger LOG = Log.get(Prober.class);

    /** How often the ejected set is read: the granularity of a return time. */
    static final Duration TICK = Duration.ofSeconds(1);
    /** Probes in flight at once: a mass ejection returns in waves, not as a herd. */
    static final int MAX_PROBES = 8;

    private final Store store;
    private final Registry registry;
    private final Breaker breaker;
    private final Upstream upstream;
    private final Quarantine quarantine;
    private final String path;
    private final Duration timeout;
    private final Clock clock;
    private final AtomicLong probes = new AtomicLong();
    private final ExecutorService probing = Executors.newThreadPerTaskExecutor(Threads.virtual("probe"));
    private final Supervisor supervisor;

    private Prober(Store store, Registry registry, Breaker breaker, Upstream upstream, Quarantine quarantine, String path,
                   Duration timeout, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.breaker = breaker;
        this.upstream = upstream;
        this.quarantine = quarantine;
        this.path = path;
        this.timeout = timeout;
        this.clock = clock;
        this.supervisor = Supervisor.start("prober", this::loop, RegistryWatcher.MIN_BACKOFF, RegistryWatcher.MAX_BACKOFF, clock);
    }

    /**
     * Starts probing; {@code timeout} bounds each probe's answer (the upstream's connect timeout
     * applies before it).
     */
    static Prober start(Store store, Registry registry, Breaker breaker, Upstream upstream, Quarantine quarantine,
                        String path, Duration timeout, Clock clock) {
        return new Prober(store, registry, breaker, upstream, quarantine, path, timeout, clock);
    }

    private void loop() throws Exception {
        while (true) {
            clock.sleep(TICK);
            tick();
        }
    }

    /** One round: reads the ejected set, probes what is due and claimed, and waits for those probes. */
    void tick() throws Exception {
        List<Store.Ejection> all = store.ejections();
        Set<String> recovering = new HashSet<>();
        for (Store.Ejection e : all) {
            if (!e.ejected()) recovering.add(e.address());
        }
        breaker.recovering(recovering);
        long now = clock.millis();
        long lease = timeout.toMillis() + TICK.toMillis();
        List<Future<?>> running = new ArrayList<>();
        for (Store.Ejection e : all) {
            if (!e.ejected() || e.probeAtMillis() > now) continue;
            if (running.size() == MAX_PROBES) {
                for (Future<?> f : running) f.get();
                running.clear();
            }
            if (store.claimProbe(e.address(), now, lease)) running.add(probing.submit(() -> probe(e)));
        }
        for (Future<?> f : running) f.get();
    }

    private void probe(Store.Ejection e) {
        probes.incrementAndGet();
        String why = alive(e.address());
        if (Thread.currentThread().isInterrupted()) return; // stopping: no verdict; the lease runs out
        if (why.isEmpty()) {
            List<String> joined = store.probePassed(e.address());
            if (joined.isEmpty()) return;
            LOG.info("probe of " + e.address() + path + " passed: it rejoins " + String.join(", ", joined)
                    + " after " + e.ejections() + " ejections");
            try {
                registry.refresh();
            } catch (Store.Unavailable u) {
                LOG.warning("registry not reread after " + e.address() + " rejoined: " + u.getMessage());
            }
        } else {
            store.probeFailed(e.address(), quarantine, clock.millis()).ifPresent(next -> LOG.info("probe of " + e.address()
                    + path + " failed (" + why + "): ejection " + next.ejections() + ", next probe in "
                    + (next.probeAtMillis() - clock.millis()) + " ms"));
        }
    }

    /** Empty when the replica answered below 500; otherwise why it is taken for dead. */
    private String alive(String address) {
        Address replica;
        try {
            replica = Address.parse(address);
        } catch (IllegalArgumentException bad) {
            return "bad address: " + bad.getMessage();
        }
        // through the gateway's own upstream: a probe meets the replica as a request does
        Upstream.Request request = new Upstream.Request("GET", path, null, List.of(), RequestBody.none());
        try {
            Upstream.Answer answer = upstream.send(request, replica, timeout.toNanos());
            answer.body().close(); // unread: its connection is dropped, not pooled
            return answer.status() < 500 ? "" : "status " + answer.status();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (java.io.IOException failed) {
            return failed.getClass().getSimpleName();
        }
    }

    /** Probes sent by this gateway so far. */
    long probes() {
        return probes.get();
    }

    /** Restarts of the probing loop so far. */
    long restarts() {
        return supervisor.restarts();
    }

    @Override
    public void close() {
        supervisor.close();
        probing.shutdownNow();
    }
}
