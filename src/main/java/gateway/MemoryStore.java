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
    /** Addresses ejected or recovering (see {@link Store.Ejection}); not saved: a restart forgets them. */
    private final SortedMap<String, Ejection> ejections = new TreeMap<>();
    /** Address to the end of its probe's lease, in the callers' milliseconds. */
    private final Map<String, Long> probes = new HashMap<>();
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
            if (hold(service, address)) throw new Held(service, address);
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
            boolean held = unhold(service, address); // deregistered while ejected: not held for this service any more
            if (!forget(service, address)) return held;
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
    public Failure recordFailure(String service, String address, Quarantine quarantine, long nowMillis) {
        lock.lock();
        try {
            SortedSet<String> replicas = services.get(service);
            if (replicas == null || !replicas.contains(address)) return Failure.DROPPED; // a late report
            String key = Store.failureKey(address);
            long count = counters.merge(key, 1L, Long::sum);
            Ejection past = ejections.get(address);
            boolean recovering = past != null && !past.ejected();
            if (recovering) ejections.put(address, new Ejection(address, past.ejections(), List.of(), 0, 0)); // the run of successes is over
            if (count < quarantine.threshold(recovering)) return new Failure(count, List.of());
            List<String> listing = new ArrayList<>();
            services.forEach((name, addresses) -> {
                if (addresses.contains(address)) listing.add(name);
            });
            for (String name : listing) {
                int ejected = ejectedFrom(name);
                if (!quarantine.mayEject(services.get(name).size() + ejected, ejected)) {
                    return new Failure(count, List.of(), 0, 0, true);
                }
            }
            counters.remove(key);
            for (String name : listing) forget(name, address);
            int times = (past == null ? 0 : past.ejections()) + 1;
            long wait = quarantine.waitMillis(times);
            SortedSet<String> held = new TreeSet<>(listing);
            if (past != null) held.addAll(past.services()); // registered again while ejected: still held where it was
            ejections.put(address, new Ejection(address, times, List.copyOf(held), nowMillis + wait, 0));
            persistEviction();
            return new Failure(count, listing, times, wait, false);
        } finally {
            lock.unlock();
        }
    }

    /** How many ejected addresses {@code service} lost; the caller holds the lock. */
    private int ejectedFrom(String service) {
        int n = 0;
        for (Ejection e : ejections.values()) {
            if (e.services().contains(service)) n++;
        }
        return n;
    }

    /** Whether {@code address} is ejected; if so, {@code service} joins those it rejoins. The caller holds the lock. */
    private boolean hold(String service, String address) {
        Ejection e = ejections.get(address);
        if (e == null || !e.ejected()) return false;
        SortedSet<String> held = new TreeSet<>(e.services());
        if (held.add(service)) ejections.put(address, new Ejection(address, e.ejections(), List.copyOf(held), e.probeAtMillis(), 0));
        return true;
    }

    /** Drops {@code service} from an ejected address's services (forgetting it with the last); the caller holds the lock. */
    private boolean unhold(String service, String address) {
        Ejection e = ejections.get(address);
        if (e == null || !e.services().contains(service)) return false;
        List<String> left = new ArrayList<>(e.services());
        left.remove(service);
        if (left.isEmpty()) {
            ejections.remove(address);
            probes.remove(address);
        } else {
            ejections.put(address, new Ejection(address, e.ejections(), left, e.probeAtMillis(), 0));
        }
        return true;
    }

    @Override
    public List<Ejection> ejections() {
        lock.lock();
        try {
            return List.copyOf(ejections.values());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean claimProbe(String address, long nowMillis, long leaseMillis) {
        lock.lock();
        try {
            Ejection e = ejections.get(address);
            if (e == null || !e.ejected() || e.probeAtMillis() > nowMillis) return false;
            Long lease = probes.get(address);
            if (lease != null && lease > nowMillis) return false;
            probes.put(address, nowMillis + leaseMillis);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<String> probePassed(String address) {
        lock.lock();
        try {
            probes.remove(address);
            Ejection e = ejections.get(address);
            if (e == null || !e.ejected()) return List.of();
            for (String name : e.services()) services.computeIfAbsent(name, s -> new TreeSet<>()).add(address);
            counters.remove(Store.failureKey(address));
            ejections.put(address, new Ejection(address, e.ejections(), List.of(), 0, 0));
            persistEviction();
            return e.services().stream().sorted().toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public java.util.Optional<Ejection> probeFailed(String address, Quarantine quarantine, long nowMillis) {
        lock.lock();
        try {
            probes.remove(address);
            Ejection e = ejections.get(address);
            if (e == null || !e.ejected()) return java.util.Optional.empty();
            int times = e.ejections() + 1;
            Ejection next = new Ejection(address, times, e.services(), nowMillis + quarantine.waitMillis(times), 0);
            ejections.put(address, next);
            return java.util.Optional.of(next);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean succeeded(String address, int needed) {
        lock.lock();
        try {
            Ejection e = ejections.get(address);
            if (e == null || e.ejected()) return false;
            if (e.successes() + 1 >= needed) {
                ejections.remove(address);
                return true;
            }
            ejections.put(address, new Ejection(address, e.ejections(), List.of(), 0, e.successes() + 1));
            return false;
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

    /** Saves the registry after an eviction or a return, which stands even when that fails: the next save catches up. */
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
