package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The registry checked as a state machine against a plain map-of-sets model. */
class RegistryTest {

    enum Op { REGISTER, DEREGISTER, EVICT }

    record Step(Op op, String service, String address) {}

    private static Gen<Step> steps() {
        return arbitrary().enumValues(Op.class).zip(arbitrary().pick("a", "b", "c"), integers().between(1, 4),
                (op, s, port) -> new Step(op, s, "http://h:" + (9000 + port)));
    }

    @Test
    void behavesLikeAMapOfSetsAndNeverHoldsADuplicate() {
        qt().forAll(lists().of(steps()).ofSizeBetween(0, 40)).checkAssert(steps -> {
            MemoryStore store = new MemoryStore();
            Registry registry = new Registry(store);
            Map<String, TreeSet<String>> model = new TreeMap<>();
            Map<String, TreeSet<String>> ejected = new TreeMap<>(); // service to the addresses ejected from it
            for (Step step : steps) {
                Registration r = new Registration(step.service(), Address.parse(step.address()));
                switch (step.op()) {
                    case REGISTER -> {
                        if (ejected.values().stream().anyMatch(held -> held.contains(step.address()))) {
                            // ejected: held for this service until a probe passes, in the add's own step
                            assertThrows(Store.Held.class, () -> registry.register(r), step.toString());
                            ejected.computeIfAbsent(step.service(), n -> new TreeSet<>()).add(step.address());
                        } else {
                            assertEquals(model.computeIfAbsent(step.service(), s -> new TreeSet<>()).add(step.address()),
                                    registry.register(r), step.toString());
                        }
                    }
                    case DEREGISTER -> {
                        // an ejected replica can be deregistered too: it is then not held for that service
                        boolean held = ejected.getOrDefault(step.service(), new TreeSet<>()).remove(step.address());
                        boolean listed = model.getOrDefault(step.service(), new TreeSet<>()).remove(step.address());
                        assertEquals(listed || held, registry.deregister(r), step.toString());
                    }
                    case EVICT -> {
                        Store.Failure failure = store.recordFailure(step.service(), step.address(), 1);
                        if (failure.evicted()) registry.drop(failure.evictedFrom(), r.address());
                        // one address, one server: a registered one leaves every service
                        if (model.getOrDefault(step.service(), new TreeSet<>()).contains(step.address())) {
                            model.forEach((name, replicas) -> {
                                if (replicas.remove(step.address())) ejected.computeIfAbsent(name, n -> new TreeSet<>()).add(step.address());
                            });
                        }
                    }
                }
                model.values().removeIf(TreeSet::isEmpty);
                assertEquals(model, snapshotAsModel(registry.snapshot()), "after " + step);
            }
        });
    }

    @Test
    void nothingRegisteredIsLostAndNothingDeregisteredComesBackWhenTheStoreForgets() {
        qt().forAll(lists().of(steps()).ofSizeBetween(0, 40), lists().of(integers().between(0, 3)).ofSizeBetween(40, 40))
                .checkAssert((steps, forgets) -> {
                    ForgetfulStore store = new ForgetfulStore();
                    Registry registry = new Registry(store);
                    registry.refresh();
                    Map<String, TreeSet<String>> model = new TreeMap<>();
                    for (int i = 0; i < steps.size(); i++) {
                        Step step = steps.get(i);
                        Registration r = new Registration(step.service(), Address.parse(step.address()));
                        boolean held = false;
                        switch (step.op()) {
                            case REGISTER -> {
                                try {
                                    registry.register(r);
                                } catch (Store.Held e) {
                                    held = true; // ejected: waits for a probe, not routable
                                }
                            }
                            case DEREGISTER -> registry.deregister(r);
                            case EVICT -> {
                                Store.Failure failure = store.recordFailure(step.service(), r.address().url(), 1);
                                if (failure.evicted()) registry.drop(failure.evictedFrom(), r.address());
                            }
                        }
                        switch (step.op()) {
                            case REGISTER -> {
                                if (!held) model.computeIfAbsent(step.service(), s -> new TreeSet<>()).add(step.address());
                            }
                            case DEREGISTER -> model.getOrDefault(step.service(), new TreeSet<>()).remove(step.address());
                            // one address, one counter: evicted from every service that lists it, if it is in this one
                            case EVICT -> {
                                if (model.getOrDefault(step.service(), new TreeSet<>()).contains(step.address())) {
                                    model.values().forEach(replicas -> replicas.remove(step.address()));
                                }
                            }
                        }
                        model.values().removeIf(TreeSet::isEmpty);
                        if (forgets.get(i) == 0) {
                            store.forget(); // a Redis restarted empty
                            registry.refresh();
                        }
                        assertEquals(model, snapshotAsModel(registry.snapshot()), "after " + step);
                        assertEquals(model, asModel(store.registry()), "store after " + step);
                    }
                });
    }

    @Test
    void aDeregistrationIsNotUndoneByALossFoundInTheSameRefresh() {
        ForgetfulStore store = new ForgetfulStore();
        Registry registry = new Registry(store);
        Registration a = new Registration("s", Address.parse("h:1"));
        registry.register(a);
        registry.register(new Registration("s", Address.parse("h:2")));
        // Between the removal and the reread, the store loses its data and another gateway puts
        // back what it knew, h:1 included: this gateway's reread finds a new generation.
        store.onRemove = () -> {
            store.forget();
            store.reseed(Map.of("s", List.of("http://h:1", "http://h:2")));
            store.remove("s", "http://h:1"); // the deregistration, as the other gateway relays it
        };

        registry.deregister(a);

        assertEquals(Map.of("s", new TreeSet<>(List.of("http://h:2"))), snapshotAsModel(registry.snapshot()));
        assertEquals(Map.of("s", List.of("http://h:2")), store.registry(), "the reseed from this gateway's snapshot left h:1 out");
    }

    private static Map<String, TreeSet<String>> asModel(Map<String, List<String>> registry) {
        Map<String, TreeSet<String>> model = new TreeMap<>();
        registry.forEach((name, urls) -> model.put(name, new TreeSet<>(urls)));
        return model;
    }

    /** A memory store that can lose everything at once, as a Redis restarted without persistence does. Not thread-safe. */
    private static final class ForgetfulStore implements Store {
        private MemoryStore data = new MemoryStore();
        private String generation;
        private int generations;
        Runnable onRemove = () -> {};

        void forget() {
            data = new MemoryStore();
            generation = null;
        }

        @Override
        public Contents contents() {
            return new Contents(generation, data.registry());
        }

        @Override
        public Reseeded reseed(Map<String, List<String>> registry) {
            long added = data.reseed(registry).added();
            if (generation == null) generation = "g" + ++generations;
            return new Reseeded(generation, added);
        }

        @Override
        public boolean add(String service, String address) {
            return data.add(service, address);
        }

        @Override
        public boolean remove(String service, String address) {
            boolean removed = data.remove(service, address);
            Runnable hook = onRemove;
            onRemove = () -> {};
            hook.run();
            return removed;
        }

        @Override
        public java.util.SortedMap<String, List<String>> registry() {
            return data.registry();
        }

        @Override
        public Map<String, Long> failures(java.util.Collection<String> addresses) {
            return data.failures(addresses);
        }

        @Override
        public Failure recordFailure(String service, String address, Quarantine quarantine, long nowMillis) {
            return data.recordFailure(service, address, quarantine, nowMillis);
        }

        @Override
        public List<Ejection> ejections() {
            return data.ejections();
        }

        @Override
        public boolean claimProbe(String address, long nowMillis, long leaseMillis) {
            return data.claimProbe(address, nowMillis, leaseMillis);
        }

        @Override
        public List<String> probePassed(String address) {
            return data.probePassed(address);
        }

        @Override
        public java.util.Optional<Ejection> probeFailed(String address, Quarantine quarantine, long nowMillis) {
            return data.probeFailed(address, quarantine, nowMillis);
        }

        @Override
        public boolean succeeded(String address, int needed) {
            return data.succeeded(address, needed);
        }

        @Override
        public void resetFailures(String address) {
            data.resetFailures(address);
        }

        @Override
        public boolean ping() {
            return true;
        }

        @Override
        public Watch watch(Registry registry, java.time.Duration resync, Clock clock) {
            return Watch.NONE;
        }

        @Override
        public Reports reports(Clock clock) {
            return Reports.DIRECT;
        }

        @Override
        public void close() {}
    }

    private static Map<String, TreeSet<String>> snapshotAsModel(Snapshot snapshot) {
        Map<String, TreeSet<String>> seen = new TreeMap<>();
        snapshot.services().forEach((name, rr) -> {
            List<String> urls = new ArrayList<>();
            for (Address a : rr.replicas()) urls.add(a.url());
            assertEquals(urls.size(), new TreeSet<>(urls).size(), "duplicate replica in " + name);
            seen.put(name, new TreeSet<>(urls));
        });
        return seen;
    }

    /**
     * What a write costs, counted rather than timed: the services read back from the store and the
     * Replicas objects rebuilt in the snapshot. With 50 services, a write to one must touch that one.
     */
    @Test
    void aRegistrationRereadsAndRebuildsOnlyTheServiceItChanged() {
        java.util.concurrent.atomic.AtomicLong servicesRead = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong countsRead = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong fullReads = new java.util.concurrent.atomic.AtomicLong();
        MemoryStore data = new MemoryStore();
        Store counting = (Store) java.lang.reflect.Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(data, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (result instanceof Store.Contents c) servicesRead.addAndGet(c.registry().size());
                    if (method.getName().equals("contents") && args == null) fullReads.incrementAndGet();
                    if (method.getName().equals("failures")) countsRead.addAndGet(((java.util.Collection<?>) args[0]).size());
                    return result;
                });
        Registry registry = new Registry(counting);
        registry.refresh();
        for (int i = 0; i < 50; i++) registry.register(new Registration("s" + i, Address.parse("h:" + (i + 1))));
        Snapshot before = registry.snapshot();
        servicesRead.set(0);
        countsRead.set(0);
        fullReads.set(0);

        registry.register(new Registration("s7", Address.parse("h:999")));
        registry.deregister(new Registration("s8", Address.parse("h:9")));

        assertEquals(1, servicesRead.get(), "services read back from the store for two writes: s7 (s8 has no replica left)");
        assertEquals(0, fullReads.get(), "reads of the whole registry");
        assertEquals(2, countsRead.get(), "failure counts read: s7's two replicas (s8's removed one took its counter with it)");
        registry.changed("s9"); // the notices of a shared store: a service's name, an address reset
        registry.changed("http://h:10");
        assertEquals(0, fullReads.get(), "a notice rereads what it names, not the whole registry");
        Snapshot after = registry.snapshot();
        for (int i = 0; i < 50; i++) {
            if (i == 7 || i == 8) continue;
            assertSame(before.get("s" + i), after.get("s" + i), "s" + i + " was not touched: its entry is the same object");
        }
        assertEquals(List.of(Address.parse("h:8"), Address.parse("h:999")), after.get("s7").replicas());
        assertEquals(null, after.get("s8"));
        assertSame(before.get("s7").cursor(), after.get("s7").cursor(), "the rotation goes on");
    }

    @Test
    void aRegistryChangeKeepsTheServicesRotation() {
        Registry registry = new Registry(new MemoryStore());
        registry.register(new Registration("s", Address.parse("h:1")));
        var cursor = registry.snapshot().get("s").cursor();
        registry.register(new Registration("s", Address.parse("h:2")));
        assertSame(cursor, registry.snapshot().get("s").cursor());
    }

    @Test
    void everyWriteRereadsItsServiceAndAResyncRereadsEverything() {
        MemoryStore store = new MemoryStore();
        Registry mine = new Registry(store);
        Registry other = new Registry(store); // another gateway on the same store
        Address a = Address.parse("h:1");
        mine.register(new Registration("s", a));
        other.register(new Registration("s", Address.parse("h:2")));
        mine.deregister(new Registration("s", a));
        assertEquals(Map.of("s", new TreeSet<>(List.of("http://h:2"))), snapshotAsModel(mine.snapshot()), "after a deregistration");

        other.register(new Registration("t", a));
        other.register(new Registration("u", Address.parse("h:3")));
        Store.Failure failure = store.recordFailure("t", a.url(), 1);
        mine.drop(failure.evictedFrom(), a);
        assertEquals(Map.of("s", new TreeSet<>(List.of("http://h:2"))), snapshotAsModel(mine.snapshot()),
                "after an eviction from t: u is another service, which a write to t does not read (a notice or a resync brings it)");
        mine.refresh();
        assertEquals(Map.of("s", new TreeSet<>(List.of("http://h:2")), "u", new TreeSet<>(List.of("http://h:3"))),
                snapshotAsModel(mine.snapshot()), "after a resync");
    }

    enum Change { REGISTER, DEREGISTER, EVICT, FAIL, RESET }

    record Write(Change change, String service, String address) {}

    /**
     * The snapshot built one service at a time, by writes and by the notices a shared store sends
     * (a service's name after a failure is counted, an address after its count is reset), equals
     * the one a full reread of the same store builds, pending failures included.
     */
    @Test
    void theSnapshotBuiltOneServiceAtATimeEqualsOneBuiltFromScratch() {
        Gen<Write> writes = arbitrary().enumValues(Change.class).zip(arbitrary().pick("a", "b", "c", "d"), integers().between(1, 4),
                (change, s, port) -> new Write(change, s, "http://h:" + (9000 + port)));
        qt().forAll(lists().of(writes).ofSizeBetween(0, 60)).checkAssert(steps -> {
            MemoryStore store = new MemoryStore(MemoryStore.Persistence.NONE, new Store.Limits(3, 3));
            Registry incremental = new Registry(store);
            incremental.refresh();
            for (Write w : steps) {
                Registration r = new Registration(w.service(), Address.parse(w.address()));
                switch (w.change()) {
                    case REGISTER -> {
                        try {
                            incremental.register(r);
                        } catch (Store.Full | Store.Held e) {
                            // refused, or held for a probe: nothing routable changed
                        }
                    }
                    case DEREGISTER -> incremental.deregister(r);
                    case EVICT -> {
                        Store.Failure failure = store.recordFailure(w.service(), w.address(), 1);
                        if (failure.evicted()) incremental.drop(failure.evictedFrom(), r.address());
                    }
                    case FAIL -> {
                        store.recordFailure(w.service(), w.address(), 100);
                        incremental.changed(w.service());
                    }
                    case RESET -> {
                        store.resetFailures(w.address());
                        incremental.changed(w.address());
                    }
                }
            }
            Registry scratch = new Registry(store);
            scratch.refresh();
            assertEquals(scratch.snapshot().toMap(), incremental.snapshot().toMap(), steps.toString());
            assertEquals(scratch.snapshot().toFailures(), incremental.snapshot().toFailures(), steps.toString());
            assertEquals(scratch.snapshot().size(), incremental.snapshot().size());
        });
    }

    @Test
    void aFreshStoreWithoutAGenerationIsGivenOneAtTheFirstRead() {
        ForgetfulStore store = new ForgetfulStore();
        Registry registry = new Registry(store);
        assertEquals(null, registry.generation(), "nothing read yet");
        registry.refresh();
        assertEquals("g1", registry.generation());
        assertEquals("g1", store.contents().generation());
        registry.register(new Registration("s", Address.parse("h:1")));
        assertEquals("g1", registry.generation(), "a registration keeps the generation");
    }

    @Test
    void whatAnotherGatewayReseededFirstIsCompletedFromThisGatewaysSnapshot() {
        ForgetfulStore store = new ForgetfulStore();
        Registry mine = new Registry(store);
        Registry other = new Registry(store);
        mine.register(new Registration("s", Address.parse("h:1")));
        other.refresh();
        mine.register(new Registration("s", Address.parse("h:2"))); // the other gateway has not heard of it yet
        store.forget(); // Redis restarted empty
        other.refresh(); // the other gateway notices first and puts back what it knows, under a new generation
        assertEquals(Map.of("s", List.of("http://h:1")), store.registry());
        assertEquals("g2", store.contents().generation());

        try (LogCapture log = LogCapture.of(Registry.class)) {
            mine.refresh();
            assertEquals(List.of("the store lost the registry (generation g1 is now g2); re-seeded 2 replicas of 1 services"
                    + " from this gateway's snapshot, 1 of them missing"), log.messages(Level.WARNING, "lost the registry"));
        }
        assertEquals(Map.of("s", List.of("http://h:1", "http://h:2")), store.registry());
        assertEquals(Map.of("s", new TreeSet<>(List.of("http://h:1", "http://h:2"))), snapshotAsModel(mine.snapshot()));
        assertEquals("g2", mine.generation());
    }

    @Test
    void aLossIsLoggedOnceWithWhatWasPutBack() {
        ForgetfulStore store = new ForgetfulStore();
        Registry registry = new Registry(store);
        registry.register(new Registration("s", Address.parse("h:1")));
        registry.register(new Registration("t", Address.parse("h:1")));
        try (LogCapture log = LogCapture.of(Registry.class)) {
            registry.refresh();
            assertEquals(List.of(), log.messages(Level.WARNING, ""), "nothing lost, nothing logged");
            store.forget();
            registry.refresh();
            assertEquals(List.of("the store lost the registry (generation g1 is gone); re-seeded 2 replicas of 2 services"
                    + " from this gateway's snapshot, 2 of them missing"), log.messages(Level.WARNING, ""));
        }
        Registry empty = new Registry(new ForgetfulStore());
        try (LogCapture log = LogCapture.of(Registry.class)) {
            empty.refresh();
            assertEquals(List.of(), log.messages(Level.WARNING, ""), "a first read with nothing to put back is no loss");
        }
    }
}
