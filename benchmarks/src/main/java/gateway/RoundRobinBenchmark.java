package gateway;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Picking a replica: {@link Replicas#start()} (one atomic increment, lock-free) beside two
 * lock-based baselines over the same array, under 1, 2 and 8 threads sharing one service.
 * Each pick returns the chosen {@link Address}, as the proxy uses it. On a 2-core machine the
 * 8-thread rows measure contention with the cores oversubscribed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RoundRobinBenchmark {

    private final Replicas atomic = new Replicas(
            List.of(Address.parse("10.0.0.1:8080"), Address.parse("10.0.0.2:8080"), Address.parse("10.0.0.3:8080")),
            new AtomicInteger());
    private final Address[] replicas = atomic.replicas().toArray(Address[]::new);

    private final ReentrantLock lock = new ReentrantLock();
    private int lockedCursor;
    private int synchronizedCursor;

    private Address atomicPick() {
        return atomic.get(atomic.start(), 0);
    }

    private Address lockPick() {
        int start;
        lock.lock();
        try {
            start = Math.floorMod(lockedCursor++, replicas.length);
        } finally {
            lock.unlock();
        }
        return replicas[start];
    }

    private Address synchronizedPick() {
        int start;
        synchronized (this) {
            start = Math.floorMod(synchronizedCursor++, replicas.length);
        }
        return replicas[start];
    }

    @Benchmark @Threads(1) public Address atomic_1thread() { return atomicPick(); }
    @Benchmark @Threads(2) public Address atomic_2threads() { return atomicPick(); }
    @Benchmark @Threads(8) public Address atomic_8threads() { return atomicPick(); }

    @Benchmark @Threads(1) public Address reentrantLock_1thread() { return lockPick(); }
    @Benchmark @Threads(2) public Address reentrantLock_2threads() { return lockPick(); }
    @Benchmark @Threads(8) public Address reentrantLock_8threads() { return lockPick(); }

    @Benchmark @Threads(1) public Address synchronized_1thread() { return synchronizedPick(); }
    @Benchmark @Threads(2) public Address synchronized_2threads() { return synchronizedPick(); }
    @Benchmark @Threads(8) public Address synchronized_8threads() { return synchronizedPick(); }
}
