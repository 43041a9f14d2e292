package gateway;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store around another that counts the breaker's calls (failures recorded, resets) once they
 * have returned, and can play unreachable. Thread-safe.
 */
final class CountingStore implements Store {

    final Store store;
    /** recordFailure and resetFailures calls that have returned or thrown. */
    final AtomicLong reports = new AtomicLong();
    /** While set, every call throws as an unreachable store's do. */
    final AtomicBoolean down = new AtomicBoolean();

    CountingStore(Store store) {
        this.store = store;
    }

    @Override
    public boolean add(String service, String address) {
        up();
        return store.add(service, address);
    }

    @Override
    public boolean remove(String service, String address) {
        up();
        return store.remove(service, address);
    }

    @Override
    public SortedMap<String, List<String>> registry() {
        up();
        return store.registry();
    }

    @Override
    public Map<String, Long> failures(Collection<String> addresses) {
        up();
        return store.failures(addresses);
    }

    @Override
    public Failure recordFailure(String service, String address, Quarantine quarantine, long nowMillis) {
        try {
            up();
            return store.recordFailure(service, address, quarantine, nowMillis);
        } finally {
            reports.incrementAndGet();
        }
    }

    @Override
    public List<Ejection> ejections() {
        up();
        return store.ejections();
    }

    @Override
    public boolean claimProbe(String address, long nowMillis, long leaseMillis) {
        up();
        return store.claimProbe(address, nowMillis, leaseMillis);
    }

    @Override
    public List<String> probePassed(String address) {
        up();
        return store.probePassed(address);
    }

    @Override
    public java.util.Optional<Ejection> probeFailed(String address, Quarantine quarantine, long nowMillis) {
        up();
        return store.probeFailed(address, quarantine, nowMillis);
    }

    @Override
    public boolean succeeded(String address, int needed) {
        up();
        return store.succeeded(address, needed);
    }

    @Override
    public void resetFailures(String address) {
        try {
            up();
            store.resetFailures(address);
        } finally {
            reports.incrementAndGet();
        }
    }

    @Override
    public Contents contents() {
        up();
        return store.contents();
    }

    @Override
    public Reseeded reseed(Map<String, List<String>> registry) {
        up();
        return store.reseed(registry);
    }

    @Override
    public boolean ping() {
        return !down.get() && store.ping();
    }

    @Override
    public Watch watch(Registry registry, Duration resync, Clock clock) {
        return store.watch(registry, resync, clock);
    }

    @Override
    public Reports reports(Clock clock) {
        return store.reports(clock);
    }

    @Override
    public void close() {
        store.close();
    }

    private void up() {
        if (down.get()) throw new Store.Unavailable("test store is down", null);
    }
}
