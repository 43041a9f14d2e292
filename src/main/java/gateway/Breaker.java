package gateway;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The circuit breaker. The request path only reports each attempt's {@link Outcome}; failures
 * are counted in the store, whose atomic step decides eviction, so a replica is evicted exactly
 * once however many requests (or gateways) fail on it at the same time. While the store is
 * unreachable, failures are counted here instead, and a replica that reaches the threshold is
 * dropped from this gateway's snapshot only. Thread-safe.
 */
final class Breaker {

    private static final Logger LOG = Log.get(Breaker.class);

    private final Store store;
    private final Registry registry;
    private final int threshold;
    private final Executor reports;
    /**
     * Addresses with a failure counted and no success since. A success resets the store's counter
     * only for these, so a healthy request costs one map lookup, never a store round trip.
     */
    private final Set<String> suspects = ConcurrentHashMap.newKeySet();
    /** Failures counted while the store was unreachable. */
    private final Map<String, Long> local = new ConcurrentHashMap<>();
    private final AtomicLong evictions = new AtomicLong();

    /**
     * @param reports runs the store calls: the caller's thread for the in-memory store; other
     *     threads for a remote one, so a slow store never delays a client's request
     */
    Breaker(Store store, Registry registry, int threshold, Executor reports) {
        if (threshold < 1) throw new IllegalArgumentException("threshold must be at least 1, not " + threshold);
        this.store = store;
        this.registry = registry;
        this.threshold = threshold;
        this.reports = reports;
    }

    void report(String service, Address address, Outcome outcome) {
        String url = address.url();
        if (!outcome.failure) {
            if (!suspects.isEmpty() && suspects.remove(url)) submit(() -> reset(url));
            return;
        }
        suspects.add(url);
        submit(() -> failed(service, address, outcome));
    }

    private void submit(Runnable report) {
        try {
            reports.execute(report);
        } catch (RejectedExecutionException e) {
            LOG.fine("gateway stopping: a failure report was dropped"); // the request itself is unaffected
        }
    }

    private void reset(String url) {
        local.remove(url);
        try {
            store.resetFailures(url);
        } catch (StoreException e) {
            LOG.fine("failure count of " + url + " not reset: " + e.getMessage());
        }
    }

    private void failed(String service, Address address, Outcome outcome) {
        Store.Failure failure;
        String where = "";
        try {
            failure = store.recordFailure(service, address.url(), threshold);
        } catch (StoreException e) {
            failure = countLocally(address.url());
            where = " (counted locally: " + e.getMessage() + ")";
        }
        if (!failure.evicted()) return;
        suspects.remove(address.url());
        evictions.incrementAndGet();
        LOG.warning("evicted " + address + " from " + service + " after " + failure.count()
                + " consecutive failures (last: " + outcome + ")" + where);
        registry.evicted(service, address);
    }

    private Store.Failure countLocally(String url) {
        long count = local.merge(url, 1L, Long::sum);
        if (count < threshold) return new Store.Failure(count, false);
        local.remove(url);
        return new Store.Failure(count, count == threshold);
    }

    /** Replicas this gateway has evicted since it started. */
    long evictions() {
        return evictions.get();
    }
}
