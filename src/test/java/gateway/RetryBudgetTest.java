package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    @Test
    void aReservationIsGrantedExactlyWhenItFitsAndAllOfItComesBack() {
        qt().forAll(integers().between(0, 1_000), lists().of(integers().between(0, 300)).ofSizeBetween(0, 40))
                .checkAssert((capacity, sizes) -> {
                    RetryBudget budget = new RetryBudget(capacity);
                    long model = 0;
                    List<Integer> granted = new ArrayList<>();
                    for (int size : sizes) {
                        boolean fits = model + size <= capacity;
                        assertEquals(fits, budget.tryReserve(size), "reserve " + size + " with " + model + " of " + capacity);
                        if (fits) {
                            model += size;
                            granted.add(size);
                        }
                        assertEquals(model, budget.reserved());
                    }
                    for (int size : granted) budget.release(size);
                    assertEquals(0, budget.reserved());
                });
    }

    @Test
    void aZeroBudgetKeepsNothingButAnEmptyBody() {
        RetryBudget none = new RetryBudget(0);
        assertTrue(none.tryReserve(0));
        assertEquals(false, none.tryReserve(1));
        assertThrows(IllegalArgumentException.class, () -> none.tryReserve(-1));
    }

    @Test
    void concurrentReservationsNeverExceedTheCapacity() throws Exception {
        long capacity = 10_000;
        RetryBudget budget = new RetryBudget(capacity);
        AtomicLong highest = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    int size = ThreadLocalRandom.current().nextInt(1, 3_000);
                    if (!budget.tryReserve(size)) continue;
                    highest.accumulateAndGet(budget.reserved(), Math::max);
                    budget.release(size);
                }
            }));
        }
        go.countDown();
        for (Thread w : workers) w.join();
        assertTrue(highest.get() <= capacity, "reserved " + highest.get() + " of " + capacity);
        assertTrue(highest.get() > 0);
        assertEquals(0, budget.reserved());
    }
}
