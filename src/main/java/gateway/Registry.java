package gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The service registry: writes go to the {@link Store}, reads come from an in-process
 * {@link Snapshot} that every write (and, for a shared store, every notice of a change) replaces.
 * A write or a notice rereads only its service, so it costs O(that service), not O(registry);
 * the periodic resync rereads everything. When the store cannot be read the last snapshot simply
 * stays; when it has lost its data (a new generation), the snapshot is put back into it. Thread-safe.
 */
final class Registry {

    private static final Logger LOG = Log.get(Registry.class);

    private final Store store;
    private final ReentrantLock writer = new ReentrantLock();
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** The generation of the store's data that the snapshot was last read from; null before the first read. */
    private volatile String generation;

    Registry(Store store) {
        this.store = store;
    }

    /** The current snapshot: one volatile read, the only registry access a proxied request makes. */
    Snapshot snapshot() {
        return snapshot;
    }

    /** The generation of the store's data this registry last read (for tests and debugging). */
    String generation() {
        return generation;
    }

    /**
     * Stores the replica; true when it is new. The snapshot includes it when this returns.
     *
     * @throws Store.Full when it is new and the store's limits leave no room for it
     */
    boolean register(Registration r) {
        boolean added = store.add(r.service(), r.address().url());
        refresh(r.service());
        return added;
    }

    /**
     * Removes the replica; true when it was registered. Under the writer lock, and dropped from
     * the snapshot before the next read, so that no reseed can put back what was just removed.
     */
    boolean deregister(Registration r) {
        writer.lock();
        try {
            boolean removed = store.remove(r.service(), r.address().url());
            snapshot = snapshot.without(r.service(), r.address());
            refresh(r.service());
            return removed;
        } finally {
            writer.unlock();
        }
    }

    /** Drops an evicted address from the snapshot's {@code services} at once, then rereads them from the store. */
    void drop(List<String> services, Address address) {
        writer.lock();
        try {
            for (String service : services) snapshot = snapshot.without(service, address);
        } finally {
            writer.unlock();
        }
        try {
            for (String service : services) refresh(service);
        } catch (Store.Unavailable e) {
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
            Store.Contents read = store.contents();
            if (read.generation() == null || !read.generation().equals(generation)) read = catchUp(read);
            Map<String, Long> failures = pending(read.registry());
            Map<String, List<Address>> registry = new LinkedHashMap<>();
            read.registry().forEach((name, urls) -> registry.put(name, addresses(name, urls)));
            snapshot = snapshot.with(registry, failures);
        } finally {
            writer.unlock();
        }
    }

    /**
     * Rereads one service and the failure counts of its replicas (those it had in the snapshot
     * too), and replaces that service in the snapshot: O(its replicas), whatever the registry's
     * size. Falls back to {@link #refresh()} when the store's generation is not the one last read
     * (the first read, or the store lost its data), which only a full read can repair.
     */
    void refresh(String service) {
        writer.lock();
        try {
            Store.Contents read = store.contents(service);
            if (read.generation() == null || !read.generation().equals(generation)) {
                refresh();
                return;
            }
            List<String> urls = read.registry().getOrDefault(service, List.of());
            Set<String> asked = new LinkedHashSet<>(urls);
            Replicas old = snapshot.get(service);
            if (old != null) old.replicas().forEach(a -> asked.add(a.url()));
            snapshot = snapshot.withService(service, addresses(service, urls), store.failures(asked));
        } finally {
            writer.unlock();
        }
    }

    /**
     * What a change notice names: a service (its replicas or pending failures changed), or an
     * address (its failures were reset; service names cannot hold its ':'). Rereads just that;
     * anything else, the whole registry.
     */
    void changed(String notice) {
        if (Registration.isValidName(notice)) {
            refresh(notice);
            return;
        }
        String url;
        try {
            url = Address.parse(notice).url();
        } catch (IllegalArgumentException e) {
            refresh();
            return;
        }
        writer.lock();
        try {
            snapshot = snapshot.withFailures(store.failures(List.of(url)));
        } finally {
            writer.unlock();
        }
    }

    private static List<Address> addresses(String name, List<String> urls) {
        List<Address> replicas = new ArrayList<>(urls.size());
        for (String url : urls) {
            try {
                replicas.add(Address.parse(url));
            } catch (IllegalArgumentException e) {
                LOG.warning("ignoring a bad address stored for " + name + ": " + e.getMessage());
            }
        }
        return replicas;
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

    /**
     * The store's data has no generation, or another than the snapshot's: this is the first read,
     * or the store lost its data (and other gateways or new registrations may have put some back). Puts
     * back whatever the snapshot holds, adopts the store's generation, and reads again. Removing
     * on purpose is {@code DELETE /register}: it keeps the generation, so it is never undone here.
     */
    private Store.Contents catchUp(Store.Contents read) {
        Map<String, List<String>> known = new TreeMap<>();
        snapshot.forEach((name, rr) -> known.put(name, rr.replicas().stream().map(Address::url).toList()));
        if (known.isEmpty() && read.generation() != null) {
            generation = read.generation(); // nothing to put back: simply adopt it
            return read;
        }
        Store.Reseeded reseeded = store.reseed(known);
        if (!known.isEmpty()) {
            int replicas = known.values().stream().mapToInt(List::size).sum();
            String why = read.generation() == null ? "generation " + generation + " is gone"
                    : "generation " + generation + " is now " + read.generation();
            LOG.warning("the store lost the registry (" + why + "); re-seeded " + replicas + " replicas of " + known.size()
                    + " services from this gateway's snapshot, " + reseeded.added() + " of them missing");
        }
        generation = reseeded.generation();
        return store.contents();
    }

}
