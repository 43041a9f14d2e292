package gateway;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The circuit breaker: the request path reports each attempt's {@link Outcome} here; failures are
 * counted in the store, and the store's atomic step decides eviction, so a replica is evicted
 * exactly once however many requests fail on it at the same time. Thread-safe.
 */
final class Breaker {

    private static final Logger LOG = Log.get(Breaker.class);

    private final Store store;
    private final Registry registry;
    private final int threshold;
    /**
     * Addresses with a failure counted and no success since. A success resets the store's counter
     * only for these, so a healthy request costs one map lookup, never a store round trip.
     */
    private final Set<String> suspects = ConcurrentHashMap.newKeySet();
    private final AtomicLong evictions = new AtomicLong();

    Breaker(Store store, Registry registry, int threshold) {
        if (threshold < 1) throw new IllegalArgumentException("threshold must be at least 1, not " + threshold);
        this.store = store;
        this.registry = registry;
        this.threshold = threshold;
    }

    void report(String service, Address address, Outcome outcome) {
        if (!outcome.failure) {
            if (!suspects.isEmpty() && suspects.remove(address.url())) store.resetFailures(address.url());
            return;
        }
        suspects.add(address.url());
        Store.Failure failure = store.recordFailure(service, address.url(), threshold);
        if (failure.evicted()) {
            suspects.remove(address.url());
            evictions.incrementAndGet();
            LOG.warning("evicted " + address + " from " + service + " after " + failure.count()
                    + " consecutive failures (last: " + outcome + ")");
            registry.evicted(service, address);
        }
    }

    /** Replicas this gateway has evicted since it started. */
    long evictions() {
        return evictions.get();
    }
}
