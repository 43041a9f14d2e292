package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
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
            for (Step step : steps) {
                Registration r = new Registration(step.service(), Address.parse(step.address()));
                switch (step.op()) {
                    case REGISTER -> assertEquals(model.computeIfAbsent(step.service(), s -> new TreeSet<>()).add(step.address()),
                            registry.register(r), step.toString());
                    case DEREGISTER -> assertEquals(model.getOrDefault(step.service(), new TreeSet<>()).remove(step.address()),
                            registry.deregister(r), step.toString());
                    case EVICT -> {
                        Store.Failure failure = store.recordFailure(step.service(), step.address(), 1);
                        if (failure.evicted()) registry.evicted(failure.evictedFrom(), r.address());
                        // one address, one server: a registered one leaves every service
                        if (model.getOrDefault(step.service(), new TreeSet<>()).contains(step.address())) {
                            model.values().forEach(replicas -> replicas.remove(step.address()));
                        }
                    }
                }
                model.values().removeIf(TreeSet::isEmpty);
                assertEquals(model, snapshotAsModel(registry.snapshot()), "after " + step);
            }
        });
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

    @Test
    void aRegistryChangeKeepsTheServicesRotation() {
        Registry registry = new Registry(new MemoryStore());
        registry.register(new Registration("s", Address.parse("h:1")));
        var cursor = registry.snapshot().get("s").cursor();
        registry.register(new Registration("s", Address.parse("h:2")));
        assertSame(cursor, registry.snapshot().get("s").cursor());
    }
}
