package gateway;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The registry as routing sees it: an immutable map from service name to its replicas. Readers
 * take it from one volatile reference and never lock; writers build a new one. Thread-safe.
 */
record Snapshot(Map<String, RoundRobin> services) {

    static final Snapshot EMPTY = new Snapshot(Map.of());

    Snapshot {
        services = Map.copyOf(services);
    }

    /** The service's replicas, or null when it has none. */
    RoundRobin get(String service) {
        return services.get(service);
    }

    /** A snapshot of {@code registry}, keeping each surviving service's round-robin cursor. */
    Snapshot with(Map<String, List<Address>> registry) {
        Map<String, RoundRobin> next = new HashMap<>();
        registry.forEach((name, replicas) -> {
            if (replicas.isEmpty()) return;
            RoundRobin old = services.get(name);
            next.put(name, new RoundRobin(replicas, old == null ? new AtomicInteger() : old.cursor()));
        });
        return new Snapshot(next);
    }

    /** Every service with its replicas, as a plain map (the inverse of {@link #with}). */
    Map<String, List<Address>> toMap() {
        Map<String, List<Address>> map = new HashMap<>();
        services.forEach((name, rr) -> map.put(name, rr.replicas()));
        return map;
    }
}
