package gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The service registry: writes go to the {@link Store}, reads come from an in-process
 * {@link Snapshot} that every write (and, for a shared store, every notice of a change) replaces.
 * When the store cannot be read the last snapshot simply stays. Thread-safe.
 */
final class Registry {

    private static final Logger LOG = Log.get(Registry.class);

    private final Store store;
    private final ReentrantLock writer = new ReentrantLock();
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    Registry(Store store) {
        this.store = store;
    }

    /** The current snapshot: one volatile read, the only registry access a proxied request makes. */
    Snapshot snapshot() {
        return snapshot;
    }

    /** Stores the replica; true when it is new. The snapshot includes it when this returns. */
    boolean register(Registration r) {
        boolean added = store.add(r.service(), r.address().url());
        refresh();
        return added;
    }

    /** Removes the replica; true when it was registered. */
    boolean deregister(Registration r) {
        boolean removed = store.remove(r.service(), r.address().url());
        refresh();
        return removed;
    }

    /** Drops an evicted address from the snapshot's {@code services} at once, then rereads the store. */
    void evicted(List<String> services, Address address) {
        writer.lock();
        try {
            Map<String, List<Address>> map = snapshot.toMap();
            for (String service : services) {
                List<Address> replicas = new ArrayList<>(map.getOrDefault(service, List.of()));
                replicas.remove(address);
                map.put(service, replicas);
            }
            snapshot = snapshot.with(map);
        } finally {
            writer.unlock();
        }
        try {
            refresh();
        } catch (StoreException e) {
            LOG.warning("registry not reread after evicting " + address + ": " + e.getMessage());
        }
    }

    /**
     * Rereads the whole registry, and the failure counts of the addresses it lists, from the store
     * and replaces the snapshot. Writers are serialised so that an older read can never replace a
     * newer one.
     */
    void refresh() {
        writer.lock();
        try {
            Map<String, List<String>> stored = store.registry();
            Map<String, Long> failures = pending(stored);
            Map<String, List<Address>> registry = new LinkedHashMap<>();
            stored.forEach((name, urls) -> {
                List<Address> replicas = new ArrayList<>(urls.size());
                for (String url : urls) {
                    try {
                        replicas.add(Address.parse(url));
                    } catch (IllegalArgumentException e) {
                        LOG.warning("ignoring a bad address stored for " + name + ": " + e.getMessage());
                    }
                }
                registry.put(name, replicas);
            });
            snapshot = snapshot.with(registry, failures);
        } finally {
            writer.unlock();
        }
    }

    /** The listed addresses that have failures counted: one more store read (an MGET for Redis). */
    private Map<String, Long> pending(Map<String, List<String>> registry) {
        Set<String> addresses = new HashSet<>();
        registry.values().forEach(addresses::addAll);
        Map<String, Long> pending = new HashMap<>();
        store.failures(addresses).forEach((address, count) -> {
            if (count > 0) pending.put(address, count);
        });
        return pending;
    }
}
