package gateway;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The embedded store: the seed's key space in two maps, and the registry saved on every change
 * (to a {@link StateFile}, or nowhere). One lock makes every method atomic, as Redis's single
 * thread does; it is taken on registration and on failures, never on a successful proxied
 * request. A write costs O(log services + its service's replicas), plus the file if there is one.
 * Thread-safe.
 */
final class MemoryStore implements Store {

    private static final Logger LOG = Log.get(MemoryStore.class);

    private static final String GENERATION = "memory";

    private final ReentrantLock lock = new ReentrantLock();
    private final SortedMap<String, SortedSet<String>> services = new TreeMap<>();
    private final Map<String, Long> counters = new HashMap<>();
    private final Persistence saved;
    private final Limits limits;

    /** Where the registry is saved besides these maps: a {@link StateFile}, or {@link #NONE}. */
    interface Persistence {

        /** Nowhere: the registry lives as long as the process. */
        Persistence NONE = services -> {};

        /**
         * The registry as last saved; empty when nothing was.
         *
         * @throws IllegalStateException saying why what was saved cannot be used
         */
        default SortedMap<String, List<String>> load() {
            return new TreeMap<>();
        }

        /**
         * Replaces what was saved with {@code services}, a read-only view of the store's maps valid
         * during the call only; on failure, what was saved stays.
         */
        void save(Map<String, ? extends Collection<String>> services) throws IOException;
    }

    /** A store whose registry lives as long as the process. */
    MemoryStore() {
        this(Persistence.NONE, Limits.DEFAULT);
    }

    MemoryStore(Persistence saved) {
        this(saved, Limits.DEFAULT);
    }

    /**
     * A store that keeps its registry in {@code saved}: loaded now, saved on every change; new
     * registrations within {@code limits} (what was saved is loaded whole, even beyond them).
     *
     * @throws IllegalStateException when what was saved cannot be read, or cannot be written
     */
    MemoryStore(Persistence saved, Limits limits) {
        this.saved = saved;
        this.limits = limits;
        saved.load().forEach((name, addresses) -> services.put(name, new TreeSet<>(addresses)));
        try {
            saved.save(view()); // fail at start, not at the first registration, if it cannot be written
        } catch (IOException e) {
            throw new IllegalStateException(saved + " cannot be written: " + e);
        }
    }

    @Override
    public boolean add(String service, String address) {
        lock.lock();
        try {
            SortedSet<String> replicas = services.get(service);
            if (replicas != null && replicas.contains(address)) return false; // a heartbeat is never refused
            if (replicas == null && services.size() >= limits.maxServices()) throw limits.servicesFull(service);
            if (replicas != null && replicas.size() >= limits.maxReplicasPerService()) throw limits.replicasFull(service);
            return put(service, address);
        } finally {
            lock.unlock();
        }
    }

    /** {@link #add} without the limits (a reseed puts back what was registered); the caller holds the lock. */
    private boolean put(String service, String address) {
        boolean added = services.computeIfAbsent(service, s -> new TreeSet<>()).add(address);
        if (!added) return false;
        persistOrUndo(() -> forget(service, address));
        counters.remove(Store.failureKey(address)); // only once stored: an undone registration changes nothing
        return true;
    }

    @Override
    public boolean remove(String service, String address) {
        lock.lock();
        try {
            counters.remove(Store.failureKey(address));
            if (!forget(service, address)) return false;
            persistOrUndo(() -> services.computeIfAbsent(service, s -> new TreeSet<>()).add(address));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SortedMap<String, List<String>> registry() {
        lock.lock();
        try {
            SortedMap<String, List<String>> copy = new TreeMap<>();
            services.forEach((name, replicas) -> copy.put(name, List.copyOf(replicas)));
            return copy;
        } finally {
            lock.unlock();
        }
    }

    /** The maps live as long as this object: their data has one generation, and is never lost. */
    @Override
    public Contents contents() {
        return new Contents(GENERATION, registry());
    }

    @Override
    public Contents contents(String service) {
        lock.lock();
        try {
            SortedMap<String, List<String>> one = new TreeMap<>();
            SortedSet<String> replicas = services.get(service);
            if (replicas != null) one.put(service, List.copyOf(replicas));
            return new Contents(GENERATION, one);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Reseeded reseed(Map<String, List<String>> registry) {
        lock.lock();
        try {
            long added = 0;
            for (var service : registry.entrySet()) {
                for (String address : service.getValue()) {
                    if (put(service.getKey(), address)) added++;
                }
            }
            return new Reseeded(GENERATION, added);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Map<String, Long> failures(Collection<String> addresses) {
        lock.lock();
        try {
            Map<String, Long> result = new LinkedHashMap<>();
            for (String a : addresses) result.put(a, counters.getOrDefault(Store.failureKey(a), 0L));
            return result;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Failure recordFailure(String service, String address, int threshold) {
        lock.lock();
        try {
            SortedSet<String> replicas = services.get(service);
            if (replicas == null || !replicas.contains(address)) return Failure.DROPPED; // a late report
            String key = Store.failureKey(address);
            long count = counters.merge(key, 1L, Long::sum);
            if (count < threshold) return new Failure(count, List.of());
            counters.remove(key);
            List<String> evictedFrom = new ArrayList<>();
            for (String name : List.copyOf(services.keySet())) {
                if (forget(name, address)) evictedFrom.add(name);
            }
            persistEviction();
            return new Failure(count, evictedFrom);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void resetFailures(String address) {
        lock.lock();
        try {
            counters.remove(Store.failureKey(address));
        } finally {
            lock.unlock();
        }
    }

    /** Removes a replica, and its service once empty; the caller holds the lock. */
    private boolean forget(String service, String address) {
        SortedSet<String> replicas = services.get(service);
        if (replicas == null || !replicas.remove(address)) return false;
        if (replicas.isEmpty()) services.remove(service);
        return true;
    }

    /**
     * Saves the registry after a registration or a removal. When that fails the change is undone
     * and reported as a store failure: the client must not get a 2xx for what was not stored.
     */
    private void persistOrUndo(Runnable undo) {
        try {
            saved.save(view());
        } catch (IOException e) {
            undo.run();
            throw new Store.Unavailable(saved + " cannot be written", e);
        }
    }

    /** Saves the registry after an eviction, which stands even when that fails: the next save catches up. */
    private void persistEviction() {
        try {
            saved.save(view());
        } catch (IOException e) {
            LOG.warning(saved + " not updated after an eviction: " + e);
        }
    }

    /** The registry as it is, read-only, without a copy: saving nowhere must not cost O(registry) per write. */
    private Map<String, ? extends Collection<String>> view() {
        return Collections.unmodifiableMap(services);
    }

    /** Every key and its value, as the seed would show the key space (for tests and debugging). */
    Map<String, Object> keys() {
        lock.lock();
        try {
            Map<String, Object> keys = new TreeMap<>(counters);
            services.forEach((name, replicas) -> keys.put(name, new ArrayList<>(replicas)));
            return keys;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean ping() {
        return true;
    }

    /** Only this gateway changes these maps: its registry sees every change as it makes it. */
    @Override
    public Watch watch(Registry registry, Duration resync, Clock clock) {
        return Watch.NONE;
    }

    /** A report takes a lock and a map update (and a file write on eviction): no reason to queue it. */
    @Override
    public Reports reports(Clock clock) {
        return Reports.DIRECT;
    }

    @Override
    public void close() {}
}
