package gateway;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BreakerTest {

    private static final Address A = Address.parse("http://a:1");

    @Test
    void aReplicaIsEvictedIffItFailsThresholdTimesInARow() {
        qt().forAll(integers().between(1, 6), lists().of(arbitrary().enumValues(Outcome.class)).ofSizeBetween(0, 30))
                .checkAssert((threshold, outcomes) -> {
                    MemoryStore store = new MemoryStore();
                    Registry registry = new Registry(store);
                    registry.register(new Registration("s", A));
                    Breaker breaker = new Breaker(store, registry, Quarantine.seed(threshold), Runnable::run, Clock.SYSTEM);
                    boolean expectEvicted = false;
                    int run = 0;
                    for (Outcome o : outcomes) {
                        if (expectEvicted) break; // an evicted replica gets no more traffic
                        breaker.report("s", A, o);
                        run = o.failure ? run + 1 : 0;
                        expectEvicted = run >= threshold;
                    }
                    boolean registered = registry.snapshot().get("s") != null;
                    assertEquals(!expectEvicted, registered, "threshold " + threshold + ", outcomes " + outcomes);
                    assertEquals(expectEvicted ? Map.of() : Map.of("s", List.of(A.url())), store.registry());
                    long counter = store.failures(List.of(A.url())).get(A.url());
                    assertEquals(expectEvicted ? 0 : run, counter, "the counter is the current run of failures");
                });
    }

    @Test
    void theCounterIsStoredUnderTheSeedsKey() {
        MemoryStore store = new MemoryStore();
        Registry registry = new Registry(store);
        registry.register(new Registration("client-service", A));
        new Breaker(store, registry, Quarantine.seed(3), Runnable::run, Clock.SYSTEM).report("client-service", A, Outcome.CONNECT_FAILED);
        assertEquals(Map.of("client-service", List.of("http://a:1"), "circuit-breaker#http://a:1", 1L), store.keys());
    }

    @Test
    void evictionHappensOnceUnderConcurrentFailures() throws Exception {
        MemoryStore store = new MemoryStore();
        Registry registry = new Registry(store);
        registry.register(new Registration("s", A));
        registry.register(new Registration("s", Address.parse("http://b:1")));
        Breaker breaker = new Breaker(store, registry, Quarantine.seed(5), Runnable::run, Clock.SYSTEM);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++) threads.add(Thread.ofVirtual().start(() -> breaker.report("s", A, Outcome.IO_FAILED)));
        for (Thread t : threads) t.join();
        assertEquals(1, breaker.evictions());
        assertEquals(List.of("http://b:1"), store.registry().get("s"));
        assertFalse(registry.snapshot().get("s").replicas().contains(A));
        assertEquals(0L, store.failures(List.of(A.url())).get(A.url()), "late failures after the eviction are dropped");
    }

    record Step(int gateway, Outcome outcome) {}

    @Test
    void consecutiveMeansConsecutiveWhicheverGatewaySawIt() {
        // Two gateways (registry + breaker each) on one store; each refreshes after every step, as a
        // change notice would make it do.
        qt().forAll(integers().between(1, 6), lists().of(integers().between(0, 1).zip(arbitrary().enumValues(Outcome.class), Step::new))
                .ofSizeBetween(0, 30)).checkAssert((threshold, steps) -> {
                    MemoryStore store = new MemoryStore();
                    List<Registry> registries = List.of(new Registry(store), new Registry(store));
                    registries.get(0).register(new Registration("s", A));
                    registries.get(1).refresh();
                    List<Breaker> breakers = registries.stream().map(r -> new Breaker(store, r, Quarantine.seed(threshold), Runnable::run, Clock.SYSTEM)).toList();
                    int run = 0;
                    for (Step step : steps) {
                        if (run >= threshold) break;
                        breakers.get(step.gateway()).report("s", A, step.outcome());
                        registries.forEach(Registry::refresh);
                        run = step.outcome().failure ? run + 1 : 0;
                    }
                    assertEquals(run >= threshold ? Map.of() : Map.of("s", List.of(A.url())), store.registry(), threshold + " " + steps);
                    assertEquals(run >= threshold ? 0 : run, store.failures(List.of(A.url())).get(A.url()), threshold + " " + steps);
                });
    }

    @Test
    void aHealthyRequestCostsNoStoreCallAndAPendingCountOneResetPerSnapshot() {
        CountingStore store = new CountingStore(new MemoryStore());
        Registry registry = new Registry(store);
        registry.register(new Registration("s", A));
        Breaker breaker = new Breaker(store, registry, Quarantine.seed(3), Runnable::run, Clock.SYSTEM);
        for (int i = 0; i < 1000; i++) breaker.report("s", A, Outcome.SUCCESS);
        assertEquals(0, store.reports.get(), "nothing pending: no store call");

        store.store.recordFailure("s", A.url(), 3); // counted by another gateway
        registry.refresh(); // its notice
        for (int i = 0; i < 1000; i++) breaker.report("s", A, Outcome.SUCCESS);
        assertEquals(1, store.reports.get(), "one reset, not one per request until the next snapshot");
        assertEquals(0L, store.failures(List.of(A.url())).get(A.url()));
        registry.refresh();
        breaker.report("s", A, Outcome.SUCCESS);
        assertEquals(1, store.reports.get(), "the new snapshot has nothing pending");
    }

    @Test
    void whileTheStoreIsDownFailuresAreCountedHereWithoutWaitingOnItEachTime() {
        CountingStore store = new CountingStore(new MemoryStore());
        Registry registry = new Registry(store);
        registry.register(new Registration("x", A));
        registry.register(new Registration("y", A));
        Breaker breaker = new Breaker(store, registry, Quarantine.seed(3), Runnable::run, new TestClock()); // time stands still
        store.down.set(true);
        for (int i = 0; i < 3; i++) breaker.report("x", A, Outcome.CONNECT_FAILED);
        assertEquals(1, store.reports.get(), "after one failed call the store is left alone for a while");
        assertEquals(1, breaker.evictions());
        assertEquals(null, registry.snapshot().get("x"), "dropped from this gateway's snapshot");
        assertEquals(null, registry.snapshot().get("y"), "from every service that listed it");
        assertEquals(Map.of("x", List.of(A.url()), "y", List.of(A.url())), store.store.registry(), "the store still has it");
    }

    @Test
    void whileTheStoreIsDownAReplicaIsEvictedAtTheThresholdNotBefore() {
        CountingStore store = new CountingStore(new MemoryStore());
        Registry registry = new Registry(store);
        registry.register(new Registration("x", A));
        Breaker breaker = new Breaker(store, registry, Quarantine.seed(3), Runnable::run, new TestClock());
        store.down.set(true);
        for (int i = 0; i < 2; i++) breaker.report("x", A, Outcome.IO_FAILED);
        assertEquals(0, breaker.evictions(), "two failures of three");
        assertEquals(List.of(A), registry.snapshot().get("x").replicas());
        breaker.report("x", A, Outcome.IO_FAILED);
        assertEquals(1, breaker.evictions());
        assertEquals(null, registry.snapshot().get("x"));
    }

    @Test
    void aResetTheStoreFailsAlsoLeavesTheStoreAloneForAWhile() {
        CountingStore store = new CountingStore(new MemoryStore());
        Registry registry = new Registry(store);
        registry.register(new Registration("x", A));
        Breaker breaker = new Breaker(store, registry, Quarantine.seed(3), Runnable::run, new TestClock());
        breaker.report("x", A, Outcome.CONNECT_FAILED); // counted in the store
        assertEquals(1, store.reports.get());
        store.down.set(true);
        breaker.report("x", A, Outcome.SUCCESS); // the reset fails
        assertEquals(2, store.reports.get());
        breaker.report("x", A, Outcome.CONNECT_FAILED);
        assertEquals(2, store.reports.get(), "counted here, without waiting on the store again");
        assertEquals(0, breaker.evictions());
    }

    @Test
    void aLateFailureReportWhileTheStoreIsDownIsDropped() {
        CountingStore store = new CountingStore(new MemoryStore());
        Registry registry = new Registry(store);
        registry.register(new Registration("x", A));
        Breaker breaker = new Breaker(store, registry, Quarantine.seed(1), Runnable::run, new TestClock());
        store.down.set(true);
        // a report for a service that no longer lists the address (it was deregistered meanwhile)
        for (int i = 0; i < 3; i++) breaker.report("gone", A, Outcome.CONNECT_FAILED);
        assertEquals(0, breaker.evictions());
        assertEquals(List.of(A), registry.snapshot().get("x").replicas(), "not evicted from the service that still has it");
    }

    @Test
    void afterAStoreFailureFailuresAreCountedHereForTheBackOffThenTheStoreIsAskedAgain() {
        TestClock clock = new TestClock();
        CountingStore store = new CountingStore(new MemoryStore());
        Registry registry = new Registry(store);
        registry.register(new Registration("s", A));
        Breaker breaker = new Breaker(store, registry, Quarantine.seed(100), Runnable::run, clock);
        store.down.set(true);
        breaker.report("s", A, Outcome.CONNECT_FAILED);
        assertEquals(1, store.reports.get(), "the store was asked, and failed");
        store.down.set(false);

        clock.advance(Duration.ofNanos(Breaker.STORE_BACKOFF_NANOS - 1));
        breaker.report("s", A, Outcome.CONNECT_FAILED);
        assertEquals(1, store.reports.get(), "a nanosecond before the back-off ends: counted here, the store left alone");

        clock.advance(Duration.ofNanos(1));
        breaker.report("s", A, Outcome.CONNECT_FAILED);
        assertEquals(2, store.reports.get(), "the back-off is over: the store is asked again");
        assertEquals(1L, store.failures(List.of(A.url())).get(A.url()));
    }

    /** Regression (38bd241): a report refused by a closed queue escaped from report() and the request was answered 500. */
    @Test
    void aFailureReportRefusedDuringShutdownIsDroppedNotA500() {
        MemoryStore store = new MemoryStore();
        Registry registry = new Registry(store);
        registry.register(new Registration("s", A));
        ReportQueue reports = new ReportQueue(10, Clock.SYSTEM);
        reports.close(); // the gateway is stopping: the queue refuses what comes
        Breaker breaker = new Breaker(store, registry, Quarantine.seed(1), reports, Clock.SYSTEM);
        assertDoesNotThrow(() -> breaker.report("s", A, Outcome.CONNECT_FAILED), "a failure's report");
        assertDoesNotThrow(() -> breaker.report("s", A, Outcome.SUCCESS), "the reset after it");
        assertEquals(Map.of("s", List.of(A.url())), store.registry(), "dropped, not applied");
        assertEquals(0, breaker.evictions());
    }
}
