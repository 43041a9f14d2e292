package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ReplicasTest {

    private static Replicas replicas(int n, int cursor) {
        List<Address> list = new ArrayList<>();
        for (int i = 0; i < n; i++) list.add(Address.parse("http://r" + i + ":80" + (10 + i)));
        return new Replicas(list, new AtomicInteger(cursor));
    }

    @Test
    void overKTimesNPicksEachReplicaIsPickedKTimes() {
        qt().forAll(integers().between(1, 12), integers().between(1, 50), integers().all())
                .checkAssert((n, k, cursor) -> {
                    // skip the one wrap from MAX_VALUE to MIN_VALUE, where 2^32 picks are not a multiple of n
                    if ((long) cursor + (long) k * n > Integer.MAX_VALUE) cursor = Integer.MAX_VALUE - k * n;
                    Replicas rr = replicas(n, cursor);
                    int[] counts = new int[n];
                    for (int i = 0; i < k * n; i++) counts[rr.start()]++;
                    for (int c : counts) assertEquals(k, c);
                });
    }

    @Test
    void picksStayInRangeAcrossTheIntegerOverflow() {
        qt().forAll(integers().between(1, 12), integers().between(0, 100)).checkAssert((n, before) -> {
            Replicas rr = replicas(n, Integer.MAX_VALUE - before);
            int[] counts = new int[n];
            for (int i = 0; i < 3 * n + 2 * before; i++) {
                int pick = rr.start();
                assertTrue(pick >= 0 && pick < n, "pick " + pick);
                counts[pick]++;
            }
            int min = Integer.MAX_VALUE, max = 0;
            for (int c : counts) { min = Math.min(min, c); max = Math.max(max, c); }
            assertTrue(max - min <= 2, "one wrap may skew counts by at most one per replica: " + java.util.Arrays.toString(counts));
        });
    }

    @Test
    void anAttemptVisitsEveryReplicaOnceFromItsStart() {
        qt().forAll(integers().between(1, 12), integers().all()).checkAssert((n, cursor) -> {
            Replicas rr = replicas(n, cursor);
            int start = rr.start();
            var visited = new HashSet<Address>();
            for (int i = 0; i < n; i++) visited.add(rr.get(start, i));
            assertEquals(n, visited.size());
        });
    }

    @Test
    void concurrentPicksStayFair() throws Exception {
        int n = 5, threads = 8, perThread = 10_000;
        Replicas rr = replicas(n, Integer.MAX_VALUE - 20_000); // cross the overflow while contended
        AtomicIntegerArray counts = new AtomicIntegerArray(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) counts.incrementAndGet(rr.start());
            }));
        }
        go.countDown();
        for (Thread w : workers) w.join();
        int min = Integer.MAX_VALUE, max = 0, total = 0;
        for (int i = 0; i < n; i++) { min = Math.min(min, counts.get(i)); max = Math.max(max, counts.get(i)); total += counts.get(i); }
        assertEquals(threads * perThread, total);
        assertTrue(max - min <= threads, "counts differ by " + (max - min));
    }
}
