package gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The registry as routing sees it: an immutable map from service name to its replicas, and the
 * addresses that had failures pending (counted, not yet reset) when it was read, so that a success
 * through any gateway knows to reset them. Readers take it from one volatile reference and never
 * lock; writers build a new one. Thread-safe.
 */
record Snapshot(Map<String, Replicas> services, Map<String, Long> failures) {

    static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of());

    Snapshot {
        services = Map.copyOf(services);
        failures = Map.copyOf(failures);
    }

    /** The service's replicas, or null when it has none. */
    Replicas get(String service) {
        return services.get(service);
    }

    /** Whether {@code address} had failures pending when this snapshot was read: one map lookup. */
    boolean hasFailures(String address) {
        return failures.containsKey(address);
    }

    /** A snapshot of {@code registry} with the same pending failures, keeping each surviving service's round-robin cursor. */
    Snapshot with(Map<String, List<Address>> registry) {
        return with(registry, failures);
    }

    /** As {@link #with(Map)}, with {@code failures} (address to count, counts above 0 only) pending. */
    Snapshot with(Map<String, List<Address>> registry, Map<String, Long> failures) {
        Map<String, Replicas> next = new HashMap<>();
        registry.forEach((name, replicas) -> {
            if (replicas.isEmpty()) return;
            Replicas old = services.get(name);
            next.put(name, new Replicas(replicas, old == null ? new AtomicInteger() : old.cursor()));
        });
        return new Snapshot(next, failures);
    }

    /** Every service with its replicas, as a plain map (the inverse of {@link #with}). */
    Map<String, List<Address>> toMap() {
        Map<String, List<Address>> map = new HashMap<>();
        services.forEach((name, rr) -> map.put(name, rr.replicas()));
        return map;
    }

    /** The services that list {@code address}, sorted. */
    List<String> servicesListing(Address address) {
        List<String> listing = new ArrayList<>();
        services.forEach((name, rr) -> {
            if (rr.replicas().contains(address)) listing.add(name);
        });
        listing.sort(null);
        return listing;
    }
}
