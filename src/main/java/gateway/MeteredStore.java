package gateway;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A store around the gateway's store that counts the calls failing with {@link Store.Unavailable},
 * for {@code gateway_store_errors_total}; everything else passes straight through. Failures inside
 * a watch's own loops (Redis pub/sub) are its own and not counted here. Thread-safe.
 */
final class MeteredStore implements Store {

    private final Store store;
    private final LongAdder errors = new LongAdder();

    MeteredStore(Store store) {
        this.store = store;
    }

    long errors() {
        return errors.sum();
    }

    private <T> T counted(Supplier<T> call) {
        try {
            return call.get();
        } catch (Store.Unavailable e) {
            errors.increment();
            throw e;
        }
    }

    @Override
    public boolean add(String service, String address) {
        return counted(() -> store.add(service, address));
    }

    @Override
    public boolean remove(String service, String address) {
        return counted(() -> store.remove(service, address));
    }

    @Override
    public SortedMap<String, List<String>> registry() {
        return counted(store::registry);
    }

    @Override
    public Contents contents() {
        return counted(store::contents);
    }

    @Override
    public Reseeded reseed(Map<String, List<String>> registry) {
        return counted(() -> store.reseed(registry));
    }

    @Override
    public Map<String, Long> failures(Collection<String> addresses) {
        return counted(() -> store.failures(addresses));
    }

    @Override
    public Failure recordFailure(String service, String address, Quarantine quarantine, long nowMillis) {
        return counted(() -> store.recordFailure(service, address, quarantine, nowMillis));
    }

    @Override
    public List<Ejection> ejections() {
        return counted(store::ejections);
    }

    @Override
    public boolean claimProbe(String address, long nowMillis, long leaseMillis) {
        return counted(() -> store.claimProbe(address, nowMillis, leaseMillis));
    }

    @Override
    public List<String> probePassed(String address) {
        return counted(() -> store.probePassed(address));
    }

    @Override
    public java.util.Optional<Ejection> probeFailed(String address, Quarantine quarantine, long nowMillis) {
        return counted(() -> store.probeFailed(address, quarantine, nowMillis));
    }

    @Override
    public boolean succeeded(String address, int needed) {
        return counted(() -> store.succeeded(address, needed));
    }

    @Override
    public void resetFailures(String address) {
        counted(() -> {
            store.resetFailures(address);
            return null;
        });
    }

    @Override
    public boolean ping() {
        return store.ping(); // a question, never an error
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
}
