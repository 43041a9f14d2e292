package gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Routing's registry read: {@link Snapshot#get} over 10, 1000 and 100,000 services, cycling through
 * every name (String instances other than the map's keys, as a parsed request path gives, so each
 * hit compares characters), plus a miss; and a registry write's snapshot cost,
 * {@link Snapshot#withService} of one service, which should not grow with the number of services.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SnapshotBenchmark {

    @Param({"10", "1000", "100000"})
    int services;

    private Snapshot snapshot;
    private String[] names;
    private int next;
    private final List<Address> changed = List.of(Address.parse("10.9.0.1:8080"), Address.parse("10.9.0.2:8080"));

    @Setup
    public void setUp() {
        Map<String, List<Address>> registry = new HashMap<>();
        List<String> called = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            String name = "service-" + i;
            registry.put(name, List.of(Address.parse("10.0." + (i / 250) + "." + (i % 250 + 1) + ":8080")));
            called.add(new String(name.toCharArray())); // not the key instance: equals compares characters
        }
        snapshot = Snapshot.EMPTY.with(registry);
        names = called.toArray(String[]::new);
    }

    @Benchmark
    public Replicas hit() {
        String name = names[next];
        next = next + 1 == names.length ? 0 : next + 1;
        return snapshot.get(name);
    }

    @Benchmark
    public Snapshot replaceOne() {
        String name = names[next];
        next = next + 1 == names.length ? 0 : next + 1;
        return snapshot.withService(name, changed, Map.of());
    }

    @Benchmark
    public Replicas miss() {
        return snapshot.get("no-such-service");
    }
}
