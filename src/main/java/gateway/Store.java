package gateway;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Where the registry and the failure counters live, named as the seed names them: a service's
 * replica addresses under the service's name, a replica's consecutive failures under
 * {@code circuit-breaker#ADDRESS}. Two implementations: {@link MemoryStore} (embedded default)
 * and a Redis store shared by many gateways.
 *
 * <p>Implementations are thread-safe and every method is atomic. Any method may throw
 * {@link StoreException} when the store cannot be reached.
 */
interface Store extends AutoCloseable {

    String FAILURE_KEY_PREFIX = "circuit-breaker#";

    static String failureKey(String address) {
        return FAILURE_KEY_PREFIX + address;
    }

    /** What one recorded failure did: the count it reached, and whether it evicted the replica. */
    record Failure(long count, boolean evicted) {}

    /** Adds a replica; true when it was not registered before. */
    boolean add(String service, String address);

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
     * Counts one failure of {@code address}; when the count reaches {@code threshold}, removes the
     * replica from {@code service} and deletes its counter, all in one atomic step. Only the call
     * that actually removed the replica reports {@code evicted}.
     */
    Failure recordFailure(String service, String address, int threshold);

    /** Forgets the failures of {@code address} (a success ends a run of consecutive failures). */
    void resetFailures(String address);

    /** True when the store answers now. */
    boolean ping();

    @Override
    void close();
}
