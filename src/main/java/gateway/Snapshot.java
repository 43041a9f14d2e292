package gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The registry as routing sees it: an immutable map from service name to its replicas, and the
 * addresses that had failures pending (counted, not yet reset) when it was read, so that a success
 * through any gateway knows to reset them. Readers take it from one volatile reference and never
 * lock; writers derive a new one. Both maps are {@link HashTrie}s, so a snapshot that changes one
 * service ({@link #withService}) shares every other service's {@link Replicas}, cursor included,
 * with the one before. Thread-safe.
 */
final class Snapshot {

    static final Snapshot EMPTY = new Snapshot(HashTrie.empty(), HashTrie.empty());

    private final HashTrie<Replicas> services;
    private final HashTrie<Long> failures;

    private Snapshot(HashTrie<Replicas> services, HashTrie<Long> failures) {
        this.services = services;
        this.failures = failures;
    }

    /** The service's replicas, or null when it has none. */
    Replicas get(String service) {
        return services.get(service);
    }

    /** Whether {@code address} had failures pending when this snapshot was read: one trie lookup. */
    boolean hasFailures(String address) {
        return failures.get(address) != null;
    }

    /** A snapshot of {@code registry} with the same pending failures, keeping each surviving service's round-robin cursor. */
    Snapshot with(Map<String, List<Address>> registry) {
        return with(registry, toFailures());
    }

    /**
     * A snapshot of the whole {@code registry} with {@code failures} (address to count, counts
     * above 0 only) pending: what a full reread builds. A service whose replicas did not change
     * keeps its {@link Replicas} object; every surviving service keeps its cursor.
     */
    Snapshot with(Map<String, List<Address>> registry, Map<String, Long> failures) {
        HashTrie<Replicas> next = HashTrie.empty();
        for (var service : registry.entrySet()) {
            if (!service.getValue().isEmpty()) next = next.with(service.getKey(), replicas(service.getKey(), service.getValue()));
        }
        HashTrie<Long> pending = HashTrie.empty();
        for (var failure : failures.entrySet()) pending = pending.with(failure.getKey(), failure.getValue());
        return new Snapshot(next, pending);
    }

    /**
     * This snapshot with one service's replicas replaced ({@code replicas} empty: the service is
     * gone), and the failure counts of {@code counts} (address to count; 0 is none pending) set.
     * Costs O(log services + that service's replicas); every other service is shared as it is.
     */
    Snapshot withService(String service, List<Address> replicas, Map<String, Long> counts) {
        HashTrie<Replicas> next = replicas.isEmpty() ? services.without(service) : services.with(service, replicas(service, replicas));
        return new Snapshot(next, failures).withFailures(counts);
    }

    /** This snapshot with the failure counts of {@code counts} (address to count; 0 is none pending) set. */
    Snapshot withFailures(Map<String, Long> counts) {
        HashTrie<Long> pending = failures;
        for (var count : counts.entrySet()) {
            pending = count.getValue() > 0 ? pending.with(count.getKey(), count.getValue()) : pending.without(count.getKey());
        }
        return new Snapshot(services, pending);
    }

    /**
     * This snapshot without {@code address} in {@code service}, and without its pending failures:
     * both stores delete the counter of a replica removed or evicted. O(log services + replicas).
     */
    Snapshot without(String service, Address address) {
        Replicas old = services.get(service);
        List<Address> rest = new ArrayList<>(old == null ? List.of() : old.replicas());
        rest.remove(address);
        return withService(service, rest, Map.of(address.url(), 0L));
    }

    /** The same object when the list did not change, else a new one on the old cursor (a new service starts at 0). */
    private Replicas replicas(String service, List<Address> replicas) {
        Replicas old = services.get(service);
        if (old == null) return new Replicas(replicas, new AtomicInteger());
        return old.replicas().equals(replicas) ? old : new Replicas(replicas, old.cursor());
    }

    void forEach(BiConsumer<String, Replicas> action) {
        services.forEach(action);
    }

    int size() {
        return services.size();
    }

    /** Every service and its replicas, as an immutable map: O(services), for reads of everything. */
    Map<String, Replicas> services() {
        Map<String, Replicas> map = new HashMap<>();
        services.forEach(map::put);
        return Map.copyOf(map);
    }

    /** Every service with its replicas, as a plain map (the inverse of {@link #with}): O(services), for reads of everything. */
    Map<String, List<Address>> toMap() {
        Map<String, List<Address>> map = new HashMap<>();
        services.forEach((name, rr) -> map.put(name, rr.replicas()));
        return map;
    }

    /** The pending failures, address to count, as a plain map: O(addresses pending). */
    Map<String, Long> toFailures() {
        Map<String, Long> map = new HashMap<>();
        failures.forEach(map::put);
        return map;
    }

    /** The services that list {@code address}, sorted. O(services): for the breaker while the store is down. */
    List<String> servicesListing(Address address) {
        List<String> listing = new ArrayList<>();
        services.forEach((name, rr) -> {
            if (rr.replicas().contains(address)) listing.add(name);
        });
        listing.sort(null);
        return listing;
    }
}
