package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Store} must do, asserted the same way for each: a subclass supplies a fresh,
 * empty store per test and the contract closes it afterwards.
 */
abstract class StoreContract {

    static final String USERS = "users";
    static final String ORDERS = "orders";
    static final String A = "10.0.0.1:8080";
    static final String B = "10.0.0.2:8080";
    static final String C = "10.0.0.3:8080";

    Store store;

    /** A new store with nothing in it, that holds at most what {@code limits} allow. */
    abstract Store newStore(Store.Limits limits);

    /** A new store with nothing in it and the default limits. */
    Store newStore() {
        return newStore(Store.Limits.DEFAULT);
    }

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    @Test
    void addReportsOnlyNewReplicas() {
        assertTrue(store.add(USERS, A));
        assertFalse(store.add(USERS, A), "a duplicate is not new");
        assertTrue(store.add(USERS, B));
        assertTrue(store.add(ORDERS, A), "the same address under another service is new there");

        assertEquals(Map.of(USERS, List.of(A, B), ORDERS, List.of(A)), store.registry());
    }

    @Test
    void removeReportsWhetherTheReplicaWasRegistered() {
        store.add(USERS, A);
        store.add(USERS, B);

        assertFalse(store.remove(ORDERS, A), "unknown service");
        assertFalse(store.remove(USERS, C), "unknown address");
        assertTrue(store.remove(USERS, A));
        assertFalse(store.remove(USERS, A), "already removed");

        assertEquals(Map.of(USERS, List.of(B)), store.registry());
    }

    @Test
    void removeDeletesTheFailureCounter() {
        store.add(USERS, A);
        store.recordFailure(USERS, A, 10);
        store.recordFailure(USERS, A, 10);
        assertEquals(Map.of(A, 2L), store.failures(List.of(A)));

        store.remove(USERS, A);

        assertEquals(Map.of(A, 0L), store.failures(List.of(A)));
    }

    @Test
    void registryIsSortedAndOmitsServicesWithoutReplicas() {
        store.add(USERS, C);
        store.add(USERS, A);
        store.add(ORDERS, B);
        store.add("audit", A);
        store.remove("audit", A);

        SortedMap<String, List<String>> registry = store.registry();

        assertEquals(List.of(ORDERS, USERS), new ArrayList<>(registry.keySet()));
        assertEquals(List.of(A, C), registry.get(USERS));
        assertFalse(registry.containsKey("audit"), "a service whose last replica left is gone");
    }

    @Test
    void registryOfAnEmptyStoreIsEmpty() {
        assertTrue(store.registry().isEmpty());
    }

    @Test
    void failuresAreZeroUntilCountedAndKeepTheOrderAsked() {
        store.add(USERS, B);
        store.recordFailure(USERS, B, 10);

        Map<String, Long> failures = store.failures(List.of(C, B, A));

        assertEquals(List.of(C, B, A), new ArrayList<>(failures.keySet()));
        assertEquals(List.of(0L, 1L, 0L), new ArrayList<>(failures.values()));
        assertTrue(store.failures(List.of()).isEmpty());
    }

    @Test
    void recordFailureCountsUpToTheThresholdThenEvictsOnce() {
        store.add(USERS, A);
        store.add(USERS, B);

        assertEquals(new Store.Failure(1, List.of()), store.recordFailure(USERS, A, 3));
        assertEquals(new Store.Failure(2, List.of()), store.recordFailure(USERS, A, 3));
        assertEquals(new Store.Failure(3, List.of(USERS), 1, 30_000, false), store.recordFailure(USERS, A, 3),
                "ejected: first probe after the default 30 s");

        assertEquals(Map.of(USERS, List.of(B)), store.registry());
        assertEquals(Map.of(A, 0L), store.failures(List.of(A)), "eviction deletes the counter");

        // The replica is gone: its late failures are dropped, and evict nothing.
        for (int i = 0; i < 3; i++) assertEquals(Store.Failure.DROPPED, store.recordFailure(USERS, A, 3));
        assertEquals(Map.of(USERS, List.of(B)), store.registry());
    }

    @Test
    void evictingTheLastReplicaRemovesTheService() {
        store.add(USERS, A);
        store.add(ORDERS, B);

        assertTrue(store.recordFailure(USERS, A, 1).evicted());

        assertEquals(Map.of(ORDERS, List.of(B)), store.registry());
    }

    @Test
    void countersArePerAddress() {
        store.add(USERS, A);
        store.add(USERS, B);

        store.recordFailure(USERS, A, 5);
        store.recordFailure(USERS, A, 5);
        store.recordFailure(USERS, B, 5);

        assertEquals(Map.of(A, 2L, B, 1L), store.failures(List.of(A, B)));
    }

    @Test
    void resetFailuresStartsTheCountAgain() {
        store.add(USERS, A);
        store.recordFailure(USERS, A, 3);
        store.recordFailure(USERS, A, 3);

        store.resetFailures(A);
        store.resetFailures(C); // never counted: nothing to do, no error

        assertEquals(Map.of(A, 0L, C, 0L), store.failures(List.of(A, C)));
        assertEquals(new Store.Failure(1, List.of()), store.recordFailure(USERS, A, 3));
        assertEquals(Map.of(USERS, List.of(A)), store.registry());
    }

    @Test
    void aNewRegistrationStartsFromZeroFailuresButAHeartbeatKeepsTheCount() {
        store.add(USERS, A);
        store.recordFailure(USERS, A, 10);
        store.recordFailure(USERS, A, 10);

        assertFalse(store.add(USERS, A), "a heartbeat: already registered");
        assertEquals(Map.of(A, 2L), store.failures(List.of(A)), "a heartbeat does not forgive a sick replica");

        assertTrue(store.add(ORDERS, A), "registered anew, in another service");
        assertEquals(Map.of(A, 0L), store.failures(List.of(A)), "a new registration starts from zero");
    }

    @Test
    void aFailureOfAReplicaThatIsNotRegisteredInThatServiceIsDropped() {
        store.add(USERS, A);

        assertFalse(store.recordFailure(ORDERS, A, 1).evicted(), "A is not a replica of orders");
        assertEquals(0, store.recordFailure(USERS, B, 1).count(), "B is not registered at all");
        assertEquals(0, store.recordFailure(ORDERS, A, 1).count());

        assertEquals(Map.of(A, 0L, B, 0L), store.failures(List.of(A, B)));
        assertEquals(Map.of(USERS, List.of(A)), store.registry());
    }

    @Test
    void lateFailuresAfterAnEvictionLeaveNoStaleCountForTheNextRegistration() {
        store.add(USERS, A);
        for (int i = 0; i < 3; i++) store.recordFailure(USERS, A, 3); // evicted at the third
        store.recordFailure(USERS, A, 3); // reports of requests that were in flight at the eviction
        store.recordFailure(USERS, A, 3);

        assertEquals(Map.of(A, 0L), store.failures(List.of(A)), "nothing counted for a replica that is gone");
        assertTrue(store.remove(USERS, A), "its operator deregisters the ejected replica (else it returns through a probe)");
        assertTrue(store.add(USERS, A));
        assertEquals(Map.of(A, 0L), store.failures(List.of(A)), "the re-registered replica starts from zero");
        assertFalse(store.recordFailure(USERS, A, 3).evicted());
        assertFalse(store.recordFailure(USERS, A, 3).evicted());
        assertTrue(store.recordFailure(USERS, A, 3).evicted(), "a full run of three again, not one");
    }

    @Test
    void reachingTheThresholdEvictsTheAddressFromEveryServiceThatListsIt() {
        store.add(USERS, A);
        store.add(USERS, B);
        store.add(ORDERS, A);
        store.add("audit", A);

        store.recordFailure(USERS, A, 3);
        store.recordFailure(USERS, A, 3);
        Store.Failure third = store.recordFailure(ORDERS, A, 3); // one address, one server, one run of failures

        assertEquals(new Store.Failure(3, List.of("audit", ORDERS, USERS), 1, 30_000, false), third);
        assertEquals(Map.of(USERS, List.of(B)), store.registry(), "gone from users, and orders and audit are empty");
        assertEquals(0, store.recordFailure(USERS, A, 3).count(), "a late report from users is dropped");
    }

    @Test
    void concurrentFailuresOfOneReplicaEvictItExactlyOnce() throws Exception {
        int threads = 16;
        int threshold = 5;
        for (int round = 0; round < 20; round++) {
            store.remove(USERS, A); // deregistered by its operator: the last round's ejection is forgotten
            store.add(USERS, A);
            store.add(USERS, B);
            store.resetFailures(A);

            List<Store.Failure> results = concurrently(threads, () -> store.recordFailure(USERS, A, threshold));

            long evictions = results.stream().filter(Store.Failure::evicted).count();
            assertEquals(1, evictions, "round " + round + ": " + results);
            // Each increment is atomic, and once the fifth has evicted A the other eleven are
            // late reports, dropped: 16 calls see 1..5 and eleven 0s, in some order.
            List<Long> counts = new ArrayList<>(results.stream().map(Store.Failure::count).toList());
            Collections.sort(counts);
            assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 1L, 2L, 3L, 4L, 5L), counts, "round " + round);
            assertEquals(Map.of(USERS, List.of(B)), store.registry(), "round " + round);
            assertEquals(Map.of(A, 0L), store.failures(List.of(A)), "round " + round + ": no stale count");
        }
    }

    @Test
    void aNewReplicaBeyondTheLimitsIsRefusedButAHeartbeatNeverIs() {
        try (Store small = newStore(new Store.Limits(2, 2))) {
            assertTrue(small.add(USERS, A));
            assertTrue(small.add(USERS, B));
            assertTrue(small.add(ORDERS, A));

            Store.Full services = assertThrows(Store.Full.class, () -> small.add("audit", A));
            assertEquals("max-services", services.limit);
            assertEquals(2, services.max);
            assertTrue(services.getMessage().contains("--max-services"), services.getMessage());
            Store.Full replicas = assertThrows(Store.Full.class, () -> small.add(USERS, C));
            assertEquals("max-replicas-per-service", replicas.limit);
            assertEquals(2, replicas.max);
            assertFalse(small.add(USERS, A), "a heartbeat at both limits");
            assertFalse(small.add(ORDERS, A));
            assertEquals(Map.of(USERS, List.of(A, B), ORDERS, List.of(A)), small.registry(), "nothing refused was stored");

            assertTrue(small.remove(USERS, B));
            assertTrue(small.add(USERS, C), "a removal frees room");
            assertTrue(small.recordFailure(ORDERS, A, 1).evicted()); // A leaves users and orders: orders is gone
            assertTrue(small.add("audit", C), "so does an eviction");
        }
    }

    @Test
    void concurrentNewServicesNeverPassTheLimit() throws Exception {
        try (Store small = newStore(new Store.Limits(5, 256))) {
            java.util.concurrent.atomic.AtomicInteger names = new java.util.concurrent.atomic.AtomicInteger();
            List<Boolean> added = concurrently(16, () -> {
                try {
                    return small.add("svc-" + names.incrementAndGet(), A);
                } catch (Store.Full e) {
                    return false;
                }
            });
            assertEquals(5, added.stream().filter(b -> b).count(), added.toString());
            assertEquals(5, small.registry().size());
        }
    }

    @Test
    void contentsOfOneServiceHoldsThatServiceAloneWithTheGeneration() {
        store.add(USERS, B);
        store.add(USERS, A);
        store.add(ORDERS, C);
        String generation = store.contents().generation();

        assertEquals(new Store.Contents(generation, new java.util.TreeMap<>(Map.of(USERS, List.of(A, B)))), store.contents(USERS));
        assertEquals(new Store.Contents(generation, new java.util.TreeMap<>()), store.contents("audit"));
        store.remove(ORDERS, C);
        assertEquals(new Store.Contents(generation, new java.util.TreeMap<>()), store.contents(ORDERS));
    }

    @Test
    void concurrentAddAndRemoveNeverLoseAnotherReplica() throws Exception {
        // Two threads churn one service, so it is often empty: while one adds and removes A, the
        // other adds B and must then see it, whatever A's removal decided about the empty service.
        int rounds = 500;
        Callable<Integer> churn = () -> {
            for (int i = 0; i < rounds; i++) {
                store.add(USERS, A);
                store.remove(USERS, A);
            }
            return 0;
        };
        Callable<Integer> register = () -> {
            int lost = 0;
            for (int i = 0; i < rounds; i++) {
                store.add(USERS, B);
                if (!store.registry().getOrDefault(USERS, List.of()).contains(B)) lost++;
                store.remove(USERS, B);
            }
            return lost;
        };

        List<Integer> results = concurrently(List.of(churn, register));

        assertEquals(0, results.get(1), "registrations of B that the registry lost");
        assertTrue(store.registry().isEmpty(), store.registry().toString());
    }

    @Test
    void contentsAreTheRegistryWithAGenerationThatWritesNeverChange() {
        String generation = store.reseed(Map.of()).generation();
        assertNotNull(generation);
        store.add(USERS, A);
        store.add(ORDERS, B);
        store.remove(ORDERS, B);
        store.recordFailure(USERS, A, 1);
        store.add(USERS, C);

        Store.Contents contents = store.contents();

        assertEquals(generation, contents.generation());
        assertEquals(Map.of(USERS, List.of(C)), contents.registry());
        assertEquals(store.registry(), contents.registry());
    }

    @Test
    void reseedAddsOnlyWhatIsMissingAndKeepsTheGeneration() {
        store.add(USERS, A);
        String generation = store.reseed(Map.of()).generation();

        Store.Reseeded reseeded = store.reseed(Map.of(USERS, List.of(A, B), ORDERS, List.of(C)));

        assertEquals(new Store.Reseeded(generation, 2), reseeded);
        assertEquals(Map.of(USERS, List.of(A, B), ORDERS, List.of(C)), store.registry());
        assertEquals(new Store.Reseeded(generation, 0), store.reseed(Map.of(USERS, List.of(B))), "idempotent");
        assertTrue(store.remove(ORDERS, C), "a reseeded replica is registered like any other");
        assertEquals(Map.of(USERS, List.of(A, B)), store.registry());
    }

    @Test
    void concurrentReseedsLeaveOneCopyOfEachReplicaUnderOneGeneration() throws Exception {
        List<Callable<Store.Reseeded>> reseeds = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Map<String, List<String>> known = i % 2 == 0 ? Map.of(USERS, List.of(A, B)) : Map.of(USERS, List.of(B, C), ORDERS, List.of(A));
            reseeds.add(() -> store.reseed(known));
        }

        List<Store.Reseeded> results = concurrently(reseeds);

        assertEquals(1, results.stream().map(Store.Reseeded::generation).distinct().count(), results.toString());
        assertEquals(results.getFirst().generation(), store.contents().generation());
        assertEquals(4, results.stream().mapToLong(Store.Reseeded::added).sum(), "each missing replica added once: " + results);
        assertEquals(Map.of(USERS, List.of(A, B, C), ORDERS, List.of(A)), store.registry());
    }

    /** The gateway's defaults (50 %, never the last), threshold 1, no jitter: a probe is due exactly 1000 ms after. */
    static final Quarantine GUARDED = new Quarantine(1, java.time.Duration.ofMillis(1000), java.time.Duration.ofMillis(3000),
            50, false, () -> 0);

    @Test
    void theLastReplicaOfAServiceIsNeverEjectedAndItsFailuresGoOnCounting() {
        store.add(USERS, A);

        Store.Failure first = store.recordFailure(USERS, A, GUARDED, 0);
        Store.Failure second = store.recordFailure(USERS, A, GUARDED, 0);

        assertEquals(new Store.Failure(1, List.of(), 0, 0, true), first);
        assertEquals(new Store.Failure(2, List.of(), 0, 0, true), second);
        assertEquals(Map.of(USERS, List.of(A)), store.registry());
        assertEquals(List.of(), store.ejections());
    }

    @Test
    void noMoreThanTheShareOfAServiceIsEjectedCountingThoseEjectedAlready() {
        store.add(USERS, A);
        store.add(USERS, B);
        store.add(USERS, C);
        store.add(ORDERS, C);
        store.add(ORDERS, B);

        assertEquals(new Store.Failure(1, List.of(USERS), 1, 1000, false), store.recordFailure(USERS, A, GUARDED, 5));
        assertTrue(store.recordFailure(USERS, B, GUARDED, 5).guarded(), "2 of 3 would be over 50 %");
        assertTrue(store.recordFailure(ORDERS, C, GUARDED, 5).guarded(), "one address leaves all its services or none: orders cannot lose C");
        assertEquals(Map.of(USERS, List.of(B, C), ORDERS, List.of(B, C)), store.registry());
        assertEquals(List.of(new Store.Ejection(A, 1, List.of(USERS), 1005, 0)), store.ejections());
    }

    @Test
    void aHeartbeatOfAnEjectedReplicaIsHeldNotAdmitted() {
        store.add(USERS, A);
        store.add(USERS, B);
        store.recordFailure(USERS, A, GUARDED, 0);

        assertThrows(Store.Held.class, () -> store.add(USERS, A));
        assertThrows(Store.Held.class, () -> store.add(ORDERS, A), "a new service is remembered for its return");
        assertFalse(store.add(USERS, B), "B is not ejected: a heartbeat as usual");

        assertEquals(Map.of(USERS, List.of(B)), store.registry());
        assertEquals(List.of(new Store.Ejection(A, 1, List.of(ORDERS, USERS), 1000, 0)), store.ejections());
    }

    @Test
    void anAddOfAnEjectedAddressHoldsItInTheSameStepInsteadOfAdmittingIt() {
        // A heartbeat that checked hold() just before the ejection must not re-add the replica:
        // the add itself refuses an ejected address (Api answers 202), with no window between.
        store.add(USERS, A);
        store.add(USERS, B);
        store.recordFailure(USERS, A, GUARDED, 0);

        assertThrows(Store.Held.class, () -> store.add(USERS, A));
        assertThrows(Store.Held.class, () -> store.add(ORDERS, A), "a new service is remembered for its return");

        assertEquals(Map.of(USERS, List.of(B)), store.registry());
        assertEquals(List.of(new Store.Ejection(A, 1, List.of(ORDERS, USERS), 1000, 0)), store.ejections());
    }

    @Test
    void aProbeIsClaimedOnceWhenDueAndAPassingOneBringsTheReplicaBackRecovering() {
        store.add(USERS, A);
        store.add(USERS, B);
        store.recordFailure(USERS, A, GUARDED, 0);
        assertThrows(Store.Held.class, () -> store.add(ORDERS, A));

        assertFalse(store.claimProbe(A, 999, 5000), "not due");
        assertTrue(store.claimProbe(A, 1000, 5000));
        assertFalse(store.claimProbe(A, 1000, 5000), "claimed: no second probe");
        assertFalse(store.claimProbe(B, 1000, 5000), "not ejected");

        assertEquals(List.of(ORDERS, USERS), store.probePassed(A));
        assertEquals(Map.of(USERS, List.of(A, B), ORDERS, List.of(A)), store.registry());
        assertEquals(List.of(new Store.Ejection(A, 1, List.of(), 0, 0)), store.ejections(), "recovering");
        assertEquals(List.of(), store.probePassed(A), "only once");
        assertFalse(store.claimProbe(A, 99_999, 5000), "back in routing: nothing to probe");
    }

    @Test
    void aFailingProbeDoublesTheWaitUpToTheCap() {
        store.add(USERS, A);
        store.add(USERS, B);
        store.recordFailure(USERS, A, GUARDED, 0);

        assertTrue(store.claimProbe(A, 1000, 5000));
        assertEquals(new Store.Ejection(A, 2, List.of(USERS), 3000, 0), store.probeFailed(A, GUARDED, 1000).orElseThrow());
        assertTrue(store.claimProbe(A, 3000, 5000), "the failed probe released its claim");
        assertEquals(new Store.Ejection(A, 3, List.of(USERS), 6000, 0), store.probeFailed(A, GUARDED, 3000).orElseThrow(), "capped at 3000");
        assertEquals(java.util.Optional.empty(), store.probeFailed(B, GUARDED, 3000));
        assertEquals(Map.of(USERS, List.of(B)), store.registry());
    }

    @Test
    void aRecoveringReplicaIsEjectedAtItsFirstFailureForLongerAndARunOfSuccessesClearsIt() {
        Quarantine three = new Quarantine(3, java.time.Duration.ofMillis(1000), java.time.Duration.ofMillis(60_000), 50, false, () -> 0);
        store.add(USERS, A);
        store.add(USERS, B);
        for (int i = 0; i < 3; i++) store.recordFailure(USERS, A, three, 0);
        store.probePassed(A);

        assertEquals(new Store.Failure(1, List.of(USERS), 2, 2000, false), store.recordFailure(USERS, A, three, 10), "half-open: one failure");
        store.probePassed(A);
        assertFalse(store.succeeded(A, 3));
        assertFalse(store.succeeded(A, 3));
        store.recordFailure(USERS, B, three, 20); // B's failure is B's: A's run goes on
        assertTrue(store.succeeded(A, 3), "three in a row");
        assertEquals(List.of(), store.ejections());
        assertFalse(store.succeeded(A, 3), "nothing to recover from");
        assertEquals(new Store.Failure(1, List.of()), store.recordFailure(USERS, A, three, 30), "healthy again: the full threshold");
    }

    @Test
    void deregisteringAnEjectedReplicaForgetsItOnceNoServiceHoldsIt() {
        store.add(USERS, A);
        store.add(USERS, B);
        store.recordFailure(USERS, A, GUARDED, 0);
        assertThrows(Store.Held.class, () -> store.add(ORDERS, A));

        assertTrue(store.remove(USERS, A));
        assertEquals(List.of(new Store.Ejection(A, 1, List.of(ORDERS), 1000, 0)), store.ejections());
        assertTrue(store.remove(ORDERS, A));
        assertEquals(List.of(), store.ejections());
        assertFalse(store.remove(ORDERS, A));
    }

    @Test
    void concurrentFailuresOfEveryReplicaNeverEmptyTheService() throws Exception {
        for (String a : List.of(A, B, C)) store.add(USERS, a);
        List<Callable<Store.Failure>> failing = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String address = List.of(A, B, C).get(i % 3);
            failing.add(() -> store.recordFailure(USERS, address, GUARDED, 0));
        }

        List<Store.Failure> results = concurrently(failing);

        assertEquals(1, results.stream().filter(Store.Failure::evicted).count(), "one of three: 50 % rounds down to 1");
        assertEquals(2, store.registry().get(USERS).size());
    }

    /** Runs {@code task} on {@code threads} threads released together; returns every result. */
    static <T> List<T> concurrently(int threads, Callable<T> task) throws Exception {
        return concurrently(Collections.nCopies(threads, task));
    }

    /** Runs each task on its own thread, all released together; returns their results in order. */
    static <T> List<T> concurrently(List<Callable<T>> tasks) throws Exception {
        CountDownLatch ready = new CountDownLatch(tasks.size());
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return task.call();
                }));
            }
            assertTrue(ready.await(10, TimeUnit.SECONDS), "threads did not start");
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) results.add(f.get(30, TimeUnit.SECONDS));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
