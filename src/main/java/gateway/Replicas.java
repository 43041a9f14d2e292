package gateway;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One service's replicas, fixed, and where the next request starts among them. Picking is one
 * atomic increment: no lock, no allocation. Thread-safe.
 */
final class Replicas {

    private final Address[] replicas;
    private final AtomicInteger cursor;

    /** The cursor is shared with the previous snapshot's instance, so a registry change does not restart the rotation. */
    Replicas(List<Address> replicas, AtomicInteger cursor) {
        if (replicas.isEmpty()) throw new IllegalArgumentException("a service needs at least one replica");
        this.replicas = replicas.toArray(Address[]::new);
        this.cursor = cursor;
    }

    /** Index of the replica that serves this request first; later attempts go on from it. */
    int start() {
        // floorMod, not %: the counter goes negative after 2^31 picks and must still give 0..n-1.
        return Math.floorMod(cursor.getAndIncrement(), replicas.length);
    }

    /** The replica {@code offset} places after {@code start}, wrapping around. */
    Address get(int start, int offset) {
        return replicas[(start + offset) % replicas.length];
    }

    int size() {
        return replicas.length;
    }

    List<Address> replicas() {
        return List.of(replicas);
    }

    AtomicInteger cursor() {
        return cursor;
    }
}
