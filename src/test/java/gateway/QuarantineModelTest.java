package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.stateful.Command;
import org.quicktheories.core.stateful.Sequential;

/**
 * A replica's life cycle in the memory store, as QuickTheories' stateful model check: random runs
 * of failures, successes, probes (alive or dead), heartbeats and clock advances, each applied to
 * the store as the breaker, the prober and /register apply them, and to a small model of maps and
 * sets; after every step the store must look exactly like the model. Each ejection is also checked
 * against the guard as it happens.
 */
class QuarantineModelTest {

    static final List<String> SERVICES = List.of("a", "b");
    static final List<String> ADDRESSES = List.of("x", "y", "z");
    static final int THRESHOLD = 2;
    static final long BASE = 1000;
    static final long MAX = 8000;
    /** Fixed jitter: each wait is 0.9 of the nominal one. */
    static final double JITTER = 0.5;

    /** What the model keeps of an ejected (services non-empty) or recovering address. */
    record Ej(int ejections, Set<String> services, long probeAt, int successes) {}

    /** The whole state: routable replicas per service, failure counts, ejections, the time. */
    record Model(Map<String, Set<String>> routable, Map<String, Long> counts, Map<String, Ej> ejections, long now) {

        Model copy() {
            Map<String, Set<String>> r = new TreeMap<>();
            routable.forEach((k, v) -> r.put(k, new TreeSet<>(v)));
            return new Model(r, new TreeMap<>(counts), new TreeMap<>(ejections), now);
        }

        Model tidy() {
            routable.values().removeIf(Set::isEmpty);
            counts.values().removeIf(c -> c == 0);
            return this;
        }
    }

    /** The store and the time the callers read. */
    static final class Sut {
        final MemoryStore store = new MemoryStore();
        final Quarantine quarantine = new Quarantine(THRESHOLD, Duration.ofMillis(BASE), Duration.ofMillis(MAX), 50, false,
                () -> JITTER);
        long now = 1_000_000;

        Model model() {
            Map<String, Set<String>> routable = new TreeMap<>();
            store.registry().forEach((k, v) -> routable.put(k, new TreeSet<>(v)));
            Map<String, Long> counts = new TreeMap<>(store.failures(ADDRESSES));
            Map<String, Ej> ejections = new TreeMap<>();
            for (Store.Ejection e : store.ejections()) {
                ejections.put(e.address(), new Ej(e.ejections(), new TreeSet<>(e.services()), e.probeAtMillis(), e.successes()));
            }
            return new Model(routable, counts, ejections, now).tidy();
        }
    }

    static long waitAfter(int ejections) {
        long nominal = Math.min(BASE << Math.min(ejections - 1, 20), MAX);
        return nominal - nominal / 10;
    }

    static Model initial() {
        Map<String, Set<String>> routable = new TreeMap<>();
        routable.put("a", new TreeSet<>(ADDRESSES));
        routable.put("b", new TreeSet<>(List.of("x", "y")));
        return new Model(routable, new TreeMap<>(), new TreeMap<>(), 1_000_000);
    }

    static Sut start(Model m) {
        Sut sut = new Sut();
        m.routable().forEach((service, addresses) -> addresses.forEach(a -> sut.store.add(service, a)));
        return sut;
    }

    /** A failure of {@code address} reported for {@code service}, as the breaker reports it. */
    record Fail(String service, String address) implements Command<Sut, Model> {
        @Override
        public void run(Sut sut) {
            Store.Failure f = sut.store.recordFailure(service, address, sut.quarantine, sut.now);
            if (!f.evicted()) return;
            Map<String, List<String>> registry = sut.store.registry();
            for (String name : f.evictedFrom()) {
                int routable = registry.getOrDefault(name, List.of()).size();
                long ejected = sut.store.ejections().stream().filter(e -> e.services().contains(name)).count();
                assertTrue(routable >= 1, "the last replica of " + name + " was ejected");
                assertTrue(ejected <= Math.max(1, (routable + ejected) / 2), ejected + " of " + (routable + ejected) + " ejected from " + name);
            }
            assertEquals(waitAfter(f.ejections()), f.waitMillis());
        }

        @Override
        public Model nextState(Model m) {
            Model n = m.copy();
            if (!n.routable().getOrDefault(service, Set.of()).contains(address)) return n;
            long count = n.counts().merge(address, 1L, Long::sum);
            Ej past = n.ejections().get(address);
            boolean recovering = past != null && past.services().isEmpty();
            if (recovering) n.ejections().put(address, new Ej(past.ejections(), Set.of(), 0, 0));
            if (count < (recovering ? 1 : THRESHOLD)) return n;
            Set<String> listing = new TreeSet<>();
            n.routable().forEach((s, rr) -> {
                if (rr.contains(address)) listing.add(s);
            });
            for (String s : listing) {
                int ejected = (int) n.ejections().values().stream().filter(e -> e.services().contains(s)).count();
                int total = n.routable().get(s).size() + ejected;
                int allowed = Math.min(Math.max(1, total * 50 / 100), total - 1);
                if (ejected + 1 > allowed) return n; // protected: the count goes on
            }
            n.counts().remove(address);
            listing.forEach(s -> n.routable().get(s).remove(address));
            int times = (past == null ? 0 : past.ejections()) + 1;
            n.ejections().put(address, new Ej(times, listing, n.now() + waitAfter(times), 0));
            return n.tidy();
        }
    }

    /** A success, as the breaker reports it: the count reset, and one more of a recovering replica's run. */
    record Succeed(String address) implements Command<Sut, Model> {
        @Override
        public void run(Sut sut) {
            sut.store.resetFailures(address);
            sut.store.succeeded(address, THRESHOLD);
        }

        @Override
        public Model nextState(Model m) {
            Model n = m.copy();
            n.counts().remove(address);
            Ej e = n.ejections().get(address);
            if (e != null && e.services().isEmpty()) {
                if (e.successes() + 1 >= THRESHOLD) n.ejections().remove(address);
                else n.ejections().put(address, new Ej(e.ejections(), Set.of(), 0, e.successes() + 1));
            }
            return n;
        }
    }

    /** A probe round of the prober for one address: claimed only when due, then alive or dead. */
    record Probe(String address, boolean alive) implements Command<Sut, Model> {
        @Override
        public void run(Sut sut) {
            if (!sut.store.claimProbe(address, sut.now, 5000)) return;
            if (alive) sut.store.probePassed(address);
            else sut.store.probeFailed(address, sut.quarantine, sut.now);
        }

        @Override
        public Model nextState(Model m) {
            Model n = m.copy();
            Ej e = n.ejections().get(address);
            if (e == null || e.services().isEmpty() || e.probeAt() > n.now()) return n;
            if (alive) {
                e.services().forEach(s -> n.routable().computeIfAbsent(s, k -> new TreeSet<>()).add(address));
                n.counts().remove(address);
                n.ejections().put(address, new Ej(e.ejections(), Set.of(), 0, 0));
            } else {
                n.ejections().put(address, new Ej(e.ejections() + 1, e.services(), n.now() + waitAfter(e.ejections() + 1), 0));
            }
            return n;
        }
    }

    /** A heartbeat, as POST /register handles it: held while ejected, otherwise registered. */
    record Heartbeat(String service, String address) implements Command<Sut, Model> {
        @Override
        public void run(Sut sut) {
            try {
                sut.store.add(service, address);
            } catch (Store.Held ejected) {
                // held for the service until a probe passes
            }
        }

        @Override
        public Model nextState(Model m) {
            Model n = m.copy();
            Ej e = n.ejections().get(address);
            if (e != null && !e.services().isEmpty()) {
                Set<String> held = new TreeSet<>(e.services());
                held.add(service);
                n.ejections().put(address, new Ej(e.ejections(), held, e.probeAt(), e.successes()));
                return n; // never routable again without a passing probe
            }
            if (n.routable().computeIfAbsent(service, k -> new TreeSet<>()).add(address)) n.counts().remove(address);
            return n;
        }
    }

    record Advance(long millis) implements Command<Sut, Model> {
        @Override
        public void run(Sut sut) {
            sut.now += millis;
        }

        @Override
        public Model nextState(Model m) {
            return new Model(m.copy().routable(), new TreeMap<>(m.counts()), new TreeMap<>(m.ejections()), m.now() + millis);
        }
    }

    static Gen<Command<Sut, Model>> commands() {
        Gen<String> service = arbitrary().pick(SERVICES);
        Gen<String> address = arbitrary().pick(ADDRESSES);
        Gen<Command<Sut, Model>> fail = service.zip(address, Fail::new);
        Gen<Command<Sut, Model>> succeed = address.map(Succeed::new);
        Gen<Command<Sut, Model>> probe = address.zip(arbitrary().pick(true, false), Probe::new);
        Gen<Command<Sut, Model>> heartbeat = service.zip(address, Heartbeat::new);
        Gen<Command<Sut, Model>> advance = integers().between(0, 10_000).map(ms -> new Advance(ms));
        return fail.mix(fail, 30).mix(succeed, 15).mix(probe, 25).mix(heartbeat, 15).mix(advance, 20);
    }

    @Test
    void theStoreFollowsTheModelThroughEjectionProbesHeartbeatsAndRecovery() {
        qt().withExamples(300).forAll(lists().of(commands()).ofSizeBetween(1, 80))
                .checkAssert(steps -> Sequential.modelCheck(initial(), steps, QuarantineModelTest::start, Sut::model));
    }

    @Test
    void aLifeCycleRunsActiveEjectedProbedActive() {
        // One run spelled out, so a reader sees what the property explores.
        Sut sut = start(initial());
        List<Command<Sut, Model>> steps = new ArrayList<>(List.of(
                new Fail("a", "z"), new Fail("a", "z"),             // z ejected from a: probe due in 900 ms
                new Heartbeat("a", "z"),                              // its heartbeat is held: still out
                new Probe("z", true),                                 // not due yet: nothing
                new Advance(900), new Probe("z", false),              // dead: ejection 2, 1800 ms
                new Advance(1800), new Probe("z", true),              // alive: back in a, recovering
                new Succeed("z"), new Succeed("z")));                 // a run of two: recovered
        Sequential.modelCheck(initial(), steps, m -> sut, Sut::model);
        assertEquals(List.of(), sut.store.ejections());
        assertEquals(List.of("x", "y", "z"), sut.store.registry().get("a"));
        Set<String> seen = new HashSet<>(sut.store.registry().get("b"));
        assertEquals(Set.of("x", "y"), seen);
    }
}
