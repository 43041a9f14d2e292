package gateway;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * The circuit breaker. The request path only reports each attempt's {@link Outcome}; failures
 * are counted per address in the store, whose atomic step decides eviction, so an address is
 * evicted exactly once however many requests (or gateways) fail on it at the same time. A success
 * resets the count when this gateway counted failures of that address or its snapshot says that
 * some gateway did. While the store is unreachable, failures are counted here instead, and an
 * address that reaches the threshold is dropped from this gateway's snapshot only.
 *
 * <p>An ejected replica is not gone: the store remembers it, a {@link Prober} lets it back after a
 * passing probe, and while it recovers (the half-open state) its first failure ejects it again and
 * each success is reported until a run of them clears its ejection count. The store's guard keeps
 * every service's last replica (and more, see {@link Quarantine}). Reports to a remote store apply in this gateway's
 * order (see {@link ReportQueue}), but several gateways' reports apply in the order they reach it,
 * not the order their attempts ended; one dropped from a full queue never reaches it.
 * Thread-safe.
 */
final class Breaker {

    private static final Logger LOG = Log.get(Breaker.class);
    /**
     * After the store fails a call, reports skip it for this long and count here: each call to a
     * stalled store waits out its timeout, and the reports queued behind it would wait too.
     */
    static final long STORE_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Store store;
    private final Registry registry;
    private final Quarantine quarantine;
    private final Executor reports;
    /**
     * Addresses with a failure counted here and no success since. A success resets the store's
     * counter only for these and for those the snapshot has pending, so a healthy request costs
     * two map lookups, never a store round trip.
     */
    private final Set<String> suspects = ConcurrentHashMap.newKeySet();
    /** The addresses whose reset this gateway has sent since the snapshot it was sent under. */
    private final AtomicReference<Resets> resets = new AtomicReference<>(new Resets(Snapshot.EMPTY, Set.of()));
    /** Failures counted while the store was unreachable. */
    private final Map<String, Long> local = new ConcurrentHashMap<>();
    private final AtomicLong evictions = new AtomicLong();
    /**
     * Addresses that rejoined after a probe and have not recovered yet, as the {@link Prober} last
     * read them from the store: their successes are reported (each gateway sends at most a run's
     * worth, counted in {@link #successesSent}), everyone else's cost nothing.
     */
    private volatile Set<String> recovering = Set.of();
    private final Map<String, Integer> successesSent = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile long storeRetryAt;

    private record Resets(Snapshot snapshot, Set<String> addresses) {}

    /**
     * @param reports runs the store calls in the order they are submitted: the caller's thread for
     *     the in-memory store; a {@link ReportQueue} for a remote one, so a slow store never delays
     *     a client's request
     */
    Breaker(Store store, Registry registry, Quarantine quarantine, Executor reports, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.quarantine = quarantine;
        this.reports = reports;
        this.clock = clock;
        this.storeRetryAt = clock.nanoTime();
    }

    void report(String service, Address address, Outcome outcome) {
        String url = address.url();
        if (!outcome.failure) {
            boolean countedHere = !suspects.isEmpty() && suspects.remove(url);
            if (countedHere | claimReset(url)) submit(() -> reset(url));
            if (!recovering.isEmpty() && recovering.contains(url)) countSuccess(url);
            return;
        }
        if (!successesSent.isEmpty()) successesSent.remove(url); // a run of successes is over
        suspects.add(url);
        submit(() -> failed(service, address, outcome));
    }

    /** Reports a recovering address's success, up to the run that ends its recovery. */
    private void countSuccess(String url) {
        int needed = quarantine.successesToRecover();
        if (successesSent.merge(url, 1, Integer::sum) > needed) return;
        submit(() -> {
            if (storeBackingOff()) return;
            try {
                if (store.succeeded(url, needed)) LOG.info(url + " has recovered: its ejection count is cleared");
            } catch (Store.Unavailable e) {
                storeFailed();
            }
        });
    }

    /** The addresses recovering now, as read from the store (by the {@link Prober}). */
    void recovering(Set<String> addresses) {
        recovering = Set.copyOf(addresses);
        successesSent.keySet().retainAll(addresses);
    }

    /**
     * True for the first success that finds {@code url} pending in the current snapshot: one reset
     * per address per snapshot, not one per request until the notice of the reset comes back.
     */
    private boolean claimReset(String url) {
        Snapshot now = registry.snapshot();
        if (!now.hasFailures(url)) return false;
        Resets sent = resets.get();
        if (sent.snapshot() != now) {
            Resets fresh = new Resets(now, ConcurrentHashMap.newKeySet());
            Resets witness = resets.compareAndExchange(sent, fresh);
            sent = witness == sent ? fresh : witness;
        }
        return sent.snapshot() == now && sent.addresses().add(url);
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
        if (storeBackingOff()) return;
        try {
            store.resetFailures(url);
        } catch (Store.Unavailable e) {
            storeFailed();
            LOG.fine("failure count of " + url + " not reset: " + e.getMessage());
        }
    }

    private void failed(String service, Address address, Outcome outcome) {
        Store.Failure failure;
        String where = "";
        if (storeBackingOff()) {
            failure = countLocally(service, address);
            where = " (counted locally: the store failed under a second ago)";
        } else {
            try {
                failure = store.recordFailure(service, address.url(), quarantine, clock.millis());
            } catch (Store.Unavailable e) {
                storeFailed();
                failure = countLocally(service, address);
                where = " (counted locally: " + e.getMessage() + ")";
            }
        }
        if (failure.guarded() && failure.count() == quarantine.threshold()) {
            LOG.warning("kept " + address + " in " + service + " after " + failure.count() + " consecutive failures (last: "
                    + outcome + "): ejecting it would leave too few replicas (--max-eviction-percent, --allow-empty-service)");
        }
        if (!failure.evicted()) return;
        suspects.remove(address.url());
        evictions.incrementAndGet();
        String probe = failure.ejections() == 0 ? "" : "; ejection " + failure.ejections() + ", probed in "
                + failure.waitMillis() + " ms";
        LOG.warning("evicted " + address + " from " + String.join(", ", failure.evictedFrom()) + " after "
                + failure.count() + " consecutive failures (last: " + outcome + ")" + where + probe);
        registry.drop(failure.evictedFrom(), address);
    }

    /**
     * As the store counts, per address, in this gateway's snapshot; the guard's last-replica rule
     * holds here too (the store's ejected replicas are unknown, so its share rule cannot).
     */
    private Store.Failure countLocally(String service, Address address) {
        Snapshot snapshot = registry.snapshot();
        List<String> listing = snapshot.servicesListing(address);
        if (!listing.contains(service)) return Store.Failure.DROPPED; // a late report
        long count = local.merge(address.url(), 1L, Long::sum);
        if (count < quarantine.threshold()) return new Store.Failure(count, List.of());
        if (!quarantine.allowEmptyService()) {
            for (String name : listing) {
                if (snapshot.get(name).size() == 1) return new Store.Failure(count, List.of(), 0, 0, true);
            }
        }
        local.remove(address.url());
        return new Store.Failure(count, listing);
    }

    private boolean storeBackingOff() {
        return clock.nanoTime() - storeRetryAt < 0;
    }

    private void storeFailed() {
        storeRetryAt = clock.nanoTime() + STORE_BACKOFF_NANOS;
    }

    /** Replicas this gateway has evicted since it started (one per address, whatever the services). */
    long evictions() {
        return evictions.get();
    }
}
