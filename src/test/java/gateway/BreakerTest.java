package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

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
                    Breaker breaker = new Breaker(store, registry, threshold, Runnable::run);
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
        new Breaker(store, registry, 3, Runnable::run).report("client-service", A, Outcome.CONNECT_FAILED);
        assertEquals(Map.of("client-service", List.of("http://a:1"), "circuit-breaker#http://a:1", 1L), store.keys());
    }

    @Test
    void evictionHappensOnceUnderConcurrentFailures() throws Exception {
        MemoryStore store = new MemoryStore();
        Registry registry = new Registry(store);
        registry.register(new Registration("s", A));
        registry.register(new Registration("s", Address.parse("http://b:1")));
        Breaker breaker = new Breaker(store, registry, 5, Runnable::run);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++) threads.add(Thread.ofVirtual().start(() -> breaker.report("s", A, Outcome.IO_FAILED)));
        for (Thread t : threads) t.join();
        assertEquals(1, breaker.evictions());
        assertEquals(List.of("http://b:1"), store.registry().get("s"));
        assertFalse(registry.snapshot().get("s").replicas().contains(A));
        assertTrue(store.failures(List.of(A.url())).get(A.url()) < 5, "counter restarted after the eviction");
    }
}
