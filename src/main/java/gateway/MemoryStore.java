package gateway;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded store: the seed's key space in two maps. One lock makes every method atomic, as
 * Redis's single thread does; it is taken on registration and on failures, never on a
 * successful proxied request. Thread-safe.
 */
final class MemoryStore implements Store {

    private final ReentrantLock lock = new ReentrantLock();
    private final SortedMap<String, SortedSet<String>> services = new TreeMap<>();
    private final Map<String, Long> counters = new HashMap<>();

    @Override
    public boolean add(String service, String address) {
        lock.lock();
        try {
            return services.computeIfAbsent(service, s -> new TreeSet<>()).add(address);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean remove(String service, String address) {
        lock.lock();
        try {
            counters.remove(Store.failureKey(address));
            SortedSet<String> replicas = services.get(service);
            if (replicas == null || !replicas.remove(address)) return false;
            if (replicas.isEmpty()) services.remove(service);
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
            String key = Store.failureKey(address);
            long count = counters.merge(key, 1L, Long::sum);
            if (count < threshold) return new Failure(count, false);
            counters.remove(key);
            SortedSet<String> replicas = services.get(service);
            boolean evicted = replicas != null && replicas.remove(address);
            if (replicas != null && replicas.isEmpty()) services.remove(service);
            return new Failure(count, evicted);
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

    @Override
    public void close() {}
}
