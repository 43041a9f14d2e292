package gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The gateway's counters, and all of its metrics written in the Prometheus text format 0.0.4 for
 * {@code GET /metrics}. A request costs LongAdder increments on per-label children made once per
 * label set: no lock. Labels come only from the registry (a service in the snapshot, a replica
 * picked from it), so their number is bounded by it; a label that has left the registry is written
 * at one more scrape, then dropped. Thread-safe.
 */
final class Metrics {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Upper bounds of the latency buckets, in seconds; {@code +Inf} follows. The deadline's default is 30 s. */
    static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final long[] BUCKET_NANOS = new long[BUCKETS.length];

    static {
        for (int i = 0; i < BUCKETS.length; i++) BUCKET_NANOS[i] = Math.round(BUCKETS[i] * 1e9);
    }

    /** The {@code code} label by status / 100; "none" when no status went out (the connection dropped). */
    private static final String[] CODES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final Outcome[] OUTCOMES = Outcome.values();

    /** What the gauges read at each scrape. */
    record Sources(Registry registry, Breaker breaker, Store store, LongSupplier storeErrors, RetryBudget budget,
                   long retryBufferLimit, InFlight inFlight, int maxConnections) {}

    private final Clock clock;
    private final AccessLog accessLog;
    private final Sources sources;
    private final Map<String, ServiceCounts> services = new ConcurrentHashMap<>();
    private final Map<Address, ReplicaCounts> replicas = new ConcurrentHashMap<>();
    /** Requests that reached no registered service: service="" (not in the map, so never pruned). */
    private final ServiceCounts unrouted = new ServiceCounts();

    Metrics(Clock clock, AccessLog accessLog, Sources sources) {
        this.clock = clock;
        this.accessLog = accessLog;
        this.sources = sources;
    }

    /** Whether a child's label has left the registry: set at one scrape, and the child dropped at the next. */
    private abstract static class Child {
        volatile boolean stale;
    }

    private static final class ServiceCounts extends Child {
        final LongAdder[] codes = adders(CODES.length);
        final LongAdder retries = new LongAdder();
        /** Per bucket, not cumulative (one increment per request); the last is +Inf. Summed up when written. */
        final LongAdder[] buckets = adders(BUCKETS.length + 1);
        final LongAdder nanos = new LongAdder();
    }

    private static final class ReplicaCounts extends Child {
        final LongAdder[] outcomes = adders(OUTCOMES.length);
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) adders[i] = new LongAdder();
        return adders;
    }

    /** A request begins: when, for the latency; what it reaches is told to the returned value. */
    Request start() {
        return new Request(this, clock.nanoTime());
    }

    /**
     * One request as it passes through the gateway, on its own thread: the service it reached, its
     * attempts, the last replica tried. Not thread-safe (one request's thread only).
     */
    static final class Request {
        private final Metrics metrics;
        private final long started;
        private boolean own;
        private ServiceCounts counts;
        private String service = "";
        private String replica = "";
        private int attempts;

        private Request(Metrics metrics, long started) {
            this.metrics = metrics;
            this.started = started;
            this.counts = metrics.unrouted;
        }

        /** The request is for one of the gateway's own endpoints: neither counted nor logged as a proxied request. */
        void own() {
            own = true;
        }

        /** The request named a service that the snapshot holds: its label exists only for registered services. */
        void routed(String name) {
            ServiceCounts found = metrics.services.get(name);
            counts = found != null ? found : metrics.services.computeIfAbsent(name, n -> new ServiceCounts());
            service = name;
        }

        /** An attempt the breaker was told of (a client's own failure is not one): the replica picked from the snapshot. */
        void attempted(Address address, Outcome outcome) {
            ReplicaCounts found = metrics.replicas.get(address);
            if (found == null) found = metrics.replicas.computeIfAbsent(address, a -> new ReplicaCounts());
            found.outcomes[outcome.ordinal()].increment();
            replica = address.url();
            attempts++;
        }

        String service() {
            return service;
        }

        String replica() {
            return replica;
        }

        int attempts() {
            return attempts;
        }
    }

    /** The request has been answered (or its connection dropped): count it and, if asked for, log it. */
    void end(Request request, Exchange exchange) {
        if (request.own) return;
        int status = exchange.getResponseCode(); // -1 until a status went out
        long nanos = Math.max(0, clock.nanoTime() - request.started); // a test's clock may step back
        ServiceCounts counts = request.counts;
        counts.codes[status >= 100 && status < 600 ? status / 100 : 0].increment();
        counts.buckets[bucket(nanos)].increment();
        counts.nanos.add(nanos);
        if (request.attempts > 1) counts.retries.add(request.attempts - 1);
        accessLog.log(exchange, request, status, nanos);
    }

    private static int bucket(long nanos) {
        int i = 0;
        while (i < BUCKET_NANOS.length && nanos > BUCKET_NANOS[i]) i++;
        return i;
    }

    /** Every metric, in the text exposition format 0.0.4. */
    String scrape() {
        prune();
        Text out = new Text();
        out.family("gateway_requests_total", "counter",
                "Requests other than the gateway's own endpoints, by service (\"\" when none registered was named) and status class (\"none\": no status sent).");
        writeRequests(out, "", unrouted);
        services.forEach((name, counts) -> writeRequests(out, name, counts));

        out.family("gateway_retries_total", "counter", "Upstream attempts beyond the first of each request, by service.");
        out.sample("gateway_retries_total", "service", "", unrouted.retries.sum());
        services.forEach((name, counts) -> out.sample("gateway_retries_total", "service", name, counts.retries.sum()));

        out.family("gateway_request_duration_seconds", "histogram",
                "Time from a request's arrival until its answer was sent (or its connection dropped), by service.");
        writeHistogram(out, "", unrouted);
        services.forEach((name, counts) -> writeHistogram(out, name, counts));

        out.family("gateway_upstream_attempts_total", "counter",
                "Upstream attempts the circuit breaker was told of, by replica and outcome.");
        replicas.forEach((address, counts) -> {
            for (Outcome outcome : OUTCOMES) {
                out.sample("gateway_upstream_attempts_total", "replica", address.url(), "outcome", outcome.name().toLowerCase(java.util.Locale.ROOT),
                        counts.outcomes[outcome.ordinal()].sum());
            }
        });

        out.family("gateway_evictions_total", "counter", "Replicas this gateway evicted after consecutive failures.");
        out.sample("gateway_evictions_total", sources.breaker().evictions());

        Snapshot snapshot = sources.registry().snapshot();
        out.family("gateway_registry_services", "gauge", "Services with at least one replica in this gateway's snapshot.");
        out.sample("gateway_registry_services", snapshot.services().size());
        out.family("gateway_registry_replicas", "gauge", "Replicas in this gateway's snapshot, summed over its services.");
        out.sample("gateway_registry_replicas", snapshot.services().values().stream().mapToLong(Replicas::size).sum());

        out.family("gateway_store_up", "gauge", "1 when the registry store answered a ping during this scrape, else 0.");
        out.sample("gateway_store_up", sources.store().ping() ? 1 : 0);
        out.family("gateway_store_errors_total", "counter", "Store calls that failed because the store was unavailable.");
        out.sample("gateway_store_errors_total", sources.storeErrors().getAsLong());

        out.family("gateway_requests_in_flight", "gauge",
                "Exchanges taken and not yet finished (HttpServer does not tell its open connections).");
        out.sample("gateway_requests_in_flight", sources.inFlight().count());
        out.family("gateway_max_connections", "gauge", "The cap on client connections (--max-connections).");
        out.sample("gateway_max_connections", sources.maxConnections());
        out.family("gateway_retry_buffer_bytes", "gauge", "Bytes of request bodies kept in memory for retry now.");
        out.sample("gateway_retry_buffer_bytes", sources.budget().reserved());
        out.family("gateway_retry_buffer_limit_bytes", "gauge", "The most bytes kept for retry at once (--retry-buffer-mb).");
        out.sample("gateway_retry_buffer_limit_bytes", sources.retryBufferLimit());

        writeJvm(out);
        return out.toString();
    }

    private static void writeRequests(Text out, String service, ServiceCounts counts) {
        for (int i = 0; i < CODES.length; i++) {
            out.sample("gateway_requests_total", "service", service, "code", CODES[i], counts.codes[i].sum());
        }
    }

    /** Buckets cumulative, the +Inf bucket equal to the count (both summed from the same adders). */
    private static void writeHistogram(Text out, String service, ServiceCounts counts) {
        long cumulative = 0;
        for (int i = 0; i <= BUCKETS.length; i++) {
            cumulative += counts.buckets[i].sum();
            String le = i < BUCKETS.length ? BigDecimal.valueOf(BUCKETS[i]).stripTrailingZeros().toPlainString() : "+Inf";
            out.sample("gateway_request_duration_seconds_bucket", "service", service, "le", le, cumulative);
        }
        out.sample("gateway_request_duration_seconds_sum", "service", service, counts.nanos.sum() / 1e9);
        out.sample("gateway_request_duration_seconds_count", "service", service, cumulative);
    }

    private static void writeJvm(Text out) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        out.family("jvm_memory_used_bytes", "gauge", "Heap memory in use.");
        out.sample("jvm_memory_used_bytes", "area", "heap", heap.getUsed());
        out.family("jvm_memory_committed_bytes", "gauge", "Heap memory committed by the JVM.");
        out.sample("jvm_memory_committed_bytes", "area", "heap", heap.getCommitted());
        out.family("jvm_memory_max_bytes", "gauge", "The heap's limit (-Xmx); -1 when it has none.");
        out.sample("jvm_memory_max_bytes", "area", "heap", heap.getMax());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        out.family("jvm_threads_current", "gauge", "Live platform threads (virtual threads are not counted by the JVM).");
        out.sample("jvm_threads_current", threads.getThreadCount());
        out.family("jvm_threads_daemon", "gauge", "Live platform daemon threads.");
        out.sample("jvm_threads_daemon", threads.getDaemonThreadCount());
        out.family("jvm_threads_peak", "gauge", "The most live platform threads since the JVM started.");
        out.sample("jvm_threads_peak", threads.getPeakThreadCount());
    }

    /** Marks the children whose label has left the registry, and drops those already marked at the last scrape. */
    private void prune() {
        Snapshot snapshot = sources.registry().snapshot();
        Set<Address> listed = new HashSet<>();
        snapshot.services().values().forEach(r -> listed.addAll(r.replicas()));
        prune(services, snapshot.services().keySet());
        prune(replicas, listed);
    }

    private static <K, C extends Child> void prune(Map<K, C> children, Set<K> live) {
        children.forEach((label, child) -> {
            if (live.contains(label)) child.stale = false;
            else if (child.stale) children.remove(label, child);
            else child.stale = true;
        });
    }

    /**
     * A label value as the format writes it: backslash, double quote and line feed escaped
     * ({@code \\}, {@code \"}, {@code \n}); every other character as it is.
     */
    static String escape(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String escaped = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : null;
            if (escaped == null && out == null) continue;
            if (out == null) out = new StringBuilder(value.length() + 8).append(value, 0, i);
            if (escaped == null) out.append(c);
            else out.append(escaped);
        }
        return out == null ? value : out.toString();
    }

    /** The exposition being written: {@code # HELP} and {@code # TYPE} before each family's samples. */
    private static final class Text {
        private final StringBuilder out = new StringBuilder(8192);

        void family(String name, String type, String help) {
            // HELP text escapes backslash and line feed only (the format's rule for docstrings)
            out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }

        void sample(String name, long value) {
            out.append(name).append(' ').append(value).append('\n');
        }

        void sample(String name, String label, String value, long sample) {
            labels(name, label, value).append("} ").append(sample).append('\n');
        }

        void sample(String name, String label, String value, double sample) {
            labels(name, label, value).append("} ").append(sample).append('\n');
        }

        void sample(String name, String label, String value, String label2, String value2, long sample) {
            labels(name, label, value).append(',').append(label2).append("=\"").append(escape(value2)).append("\"} ")
                    .append(sample).append('\n');
        }

        private StringBuilder labels(String name, String label, String value) {
            return out.append(name).append('{').append(label).append("=\"").append(escape(value)).append('"');
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }
}
