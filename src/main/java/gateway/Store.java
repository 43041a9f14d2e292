package gateway;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Executor;

/**
 * Where the registry and the failure counters live, named as the seed names them: a service's
 * replica addresses under the service's name, a replica's consecutive failures under
 * {@code circuit-breaker#ADDRESS}. Two implementations: {@link MemoryStore} (embedded default)
 * and {@link RedisStore}, shared by many gateways; each also says what the gateway must run
 * around it ({@link #watch}, {@link #reports}).
 *
 * <p>Implementations are thread-safe and every data method is atomic. Any data method may throw
 * {@link Unavailable} when the store cannot be reached.
 */
interface Store extends AutoCloseable {

    String FAILURE_KEY_PREFIX = "circuit-breaker#";

    static String failureKey(String address) {
        return FAILURE_KEY_PREFIX + address;
    }

    /** The store could not be reached or answered wrongly; clients see it as 503. */
    final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * How much the registry may hold: a bound on memory, on every gateway's snapshot and on the
     * size of {@code GET /services}, whoever registers. A heartbeat (a replica already registered)
     * is never refused. Immutable.
     */
    record Limits(int maxServices, int maxReplicasPerService) {

        /**
         * 65,536 replicas at most: ~250 bytes each in a snapshot, so a full registry takes ~16 MiB of
         * the launcher's 56 MiB heap, and {@code GET /services} lists it. (4096 x 256 did not fit:
         * such a registry took ~250 MiB, and the gateway ran out of memory loading or listing it.)
         */
        static final Limits DEFAULT = new Limits(1024, 64);

        public Limits {
            if (maxServices < 1) throw new IllegalArgumentException("max services " + maxServices + " must be at least 1");
            if (maxReplicasPerService < 1) {
                throw new IllegalArgumentException("max replicas per service " + maxReplicasPerService + " must be at least 1");
            }
        }

        Full servicesFull(String service) {
            return new Full("max-services", maxServices, "service '" + service + "' is new and the registry already holds "
                    + maxServices + " services (--max-services); remove one first");
        }

        Full replicasFull(String service) {
            return new Full("max-replicas-per-service", maxReplicasPerService, "service '" + service + "' already has "
                    + maxReplicasPerService + " replicas (--max-replicas-per-service); remove one first");
        }
    }

    /** A new registration that would pass a {@link Limits} limit, named as its flag without dashes; clients see it as 409. */
    final class Full extends RuntimeException {
        final String limit;
        final int max;

        Full(String limit, int max, String message) {
            super(message, null, false, false);
            this.limit = limit;
            this.max = max;
        }
    }

    /**
     * What one recorded failure did: the count it reached (0 when the failure was dropped, the
     * replica not being registered in that service); the services it evicted the address from,
     * sorted (empty unless this call evicted it), with the address's ejection count and the wait
     * before its first probe; or {@code guarded}: the threshold was reached but ejecting it would
     * have emptied a service or taken more than its share, so it stays, protected.
     */
    record Failure(long count, List<String> evictedFrom, int ejections, long waitMillis, boolean guarded) {

        static final Failure DROPPED = new Failure(0, List.of());

        public Failure {
            evictedFrom = List.copyOf(evictedFrom);
        }

        /** Counted, nothing decided. */
        Failure(long count, List<String> evictedFrom) {
            this(count, evictedFrom, 0, 0, false);
        }

        boolean evicted() {
            return !evictedFrom.isEmpty();
        }
    }

    /**
     * An address the breaker has ejected at least once and that has not recovered since: while
     * ejected, the services it left (and those it re-registered in meanwhile) and when its next
     * probe is due, on the callers' {@link Clock#millis}; once a probe let it rejoin, no services,
     * and the successes in a row it has had since (its recovery ends at {@link
     * Quarantine#successesToRecover}).
     */
    record Ejection(String address, int ejections, List<String> services, long probeAtMillis, int successes) {

        public Ejection {
            services = List.copyOf(services);
        }

        /** Out of routing, waiting for a probe; otherwise rejoined and recovering. */
        boolean ejected() {
            return !services.isEmpty();
        }
    }

    /**
     * Adds a replica; true when it was not registered before. A new registration starts the
     * address from zero failures; a repeated one (a heartbeat) leaves its count alone.
     *
     * @throws Full when the replica is new and the store's {@link Limits} leave no room for it;
     *         checked in the same atomic step as the add, so several gateways cannot overshoot
     * @throws Held when the address is ejected: held for the service instead, in the same step
     */
    boolean add(String service, String address);

    /**
     * Thrown by {@link #add} for an ejected address: it was not added, but the service joins
     * those it rejoins after a passing probe, in the same atomic step, so a heartbeat (even one
     * racing with the ejection) never puts a failing replica back into routing.
     */
    final class Held extends RuntimeException {
        Held(String service, String address) {
            super("replica " + address + " is ejected after failing; it rejoins '" + service + "' after a passing probe");
        }
    }

    /** Removes a replica and its failure counter; true when it was registered. */
    boolean remove(String service, String address);

    /** Every service that has replicas, by name, each with its replica addresses sorted. */
    SortedMap<String, List<String>> registry();

    /**
     * The registry as {@link #registry()} has it, and the generation of the data it was read from:
     * an id that add, remove and eviction never change, and that is new (or null, none yet) only
     * after the store lost its data.
     */
    record Contents(String generation, SortedMap<String, List<String>> registry) {}

    /** The registry and its generation, read in one atomic step. */
    Contents contents();

    /**
     * As {@link #contents()} for one service only (its registry holds that service, or nothing
     * when it has no replicas): what a write to that service costs to read back, whatever the
     * registry's size. The default filters the whole registry; both stores read just the service.
     */
    default Contents contents(String service) {
        Contents all = contents();
        java.util.SortedMap<String, List<String>> one = new java.util.TreeMap<>();
        List<String> replicas = all.registry().get(service);
        if (replicas != null) one.put(service, replicas);
        return new Contents(all.generation(), one);
    }

    /** What {@link #reseed} did: the generation now in force, and how many replicas it put back. */
    record Reseeded(String generation, long added) {}

    /**
     * Adds each replica of {@code registry} that the store lacks and, when the data has no
     * generation, gives it a new one, in one atomic step. Idempotent, so several gateways may
     * reseed at once: the store ends with the union of what they put back, under one generation.
     */
    Reseeded reseed(Map<String, List<String>> registry);

    /** Current failure counts of the given addresses; absent counters are 0. */
    Map<String, Long> failures(Collection<String> addresses);

    /**
     * Counts one failure of {@code address}, all in one atomic step: dropped (count 0) when it is
     * not registered in {@code service}; otherwise counted, and when the count reaches the
     * quarantine's threshold (1 while the address recovers from an ejection) the address is
     * ejected: its counter deleted, removed from every service that lists it (the counter is per
     * address: one address is one server), and remembered as ejected with its next probe due
     * {@link Quarantine#waitMillis} after {@code nowMillis}. Unless the guard forbids it: when any
     * of those services may not lose it ({@link Quarantine#mayEject}, counting the replicas
     * ejected from it already), nothing is removed and the count goes on (the replica is
     * protected). Only the call that ejected it reports the eviction.
     */
    Failure recordFailure(String service, String address, Quarantine quarantine, long nowMillis);

    /** As the seed did: evicted at {@code threshold}, whatever is left of the service. */
    default Failure recordFailure(String service, String address, int threshold) {
        return recordFailure(service, address, Quarantine.seed(threshold), 0);
    }

    /** Every address ejected or recovering, sorted by address. */
    List<Ejection> ejections();

    /**
     * Claims the probe of an ejected address whose probe is due by {@code nowMillis}, for
     * {@code leaseMillis}: true for exactly one caller (of all gateways) until the probe's
     * result is stored or the lease runs out.
     */
    boolean claimProbe(String address, long nowMillis, long leaseMillis);

    /**
     * A passing probe: the ejected address rejoins every service it was ejected from or held
     * for, with no failures counted, and recovers (its ejection count kept until a run of
     * successes). Returns those services, sorted; empty when it was not ejected.
     */
    List<String> probePassed(String address);

    /**
     * A failing probe: the ejected address is ejected once more and waits longer, until
     * {@code nowMillis} plus {@link Quarantine#waitMillis}. Returns its new state; empty when it
     * was not ejected.
     */
    java.util.Optional<Ejection> probeFailed(String address, Quarantine quarantine, long nowMillis);

    /**
     * Counts a success of a recovering address; at {@code needed} in a row its ejection count is
     * cleared and it is healthy again (true). A failure in between starts the run over.
     */
    boolean succeeded(String address, int needed);

    /** Forgets the failures of {@code address} (a success ends a run of consecutive failures). */
    void resetFailures(String address);

    /** True when the store answers now. */
    boolean ping();

    /**
     * Keeps {@code registry} up to date with the changes other gateways make in this store, and
     * rereads it every {@code resync} (on {@code clock}) in case a change went unnoticed, until the watch is closed.
     * A store that only this gateway changes has nothing to watch: {@link Watch#NONE}.
     */
    Watch watch(Registry registry, Duration resync, Clock clock);

    /**
     * A new lane for the breaker's reports to this store (failures counted, counts reset), which
     * applies them in the order they were submitted; the caller closes it. {@link Reports#DIRECT}
     * for a store that answers at once; a {@link ReportQueue} for a remote one, so that a slow
     * store never delays a client's request.
     */
    Reports reports(Clock clock);

    /** What {@link #watch} started; closing it stops it. */
    interface Watch extends AutoCloseable {

        /** Watches nothing. */
        Watch NONE = () -> {};

        @Override
        void close();
    }

    /** Applies reports in the order they were submitted. */
    interface Reports extends Executor {

        /** On the caller's thread, before {@code execute} returns: nothing is ever pending. */
        Reports DIRECT = Runnable::run;

        /** Stops taking reports, and applies those still pending for up to {@code grace}. */
        default void close(Duration grace) {}
    }

    @Override
    void close();
}
