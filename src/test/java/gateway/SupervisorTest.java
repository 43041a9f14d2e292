package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SupervisorTest {

    @Test
    void aLoopThatFailsIsRestartedUntilItRuns() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch forever = new CountDownLatch(1);
        try (Supervisor s = Supervisor.start("flaky", () -> {
            int run = runs.incrementAndGet();
            if (run == 1) throw new IllegalStateException("first run fails");
            if (run == 2) throw new OutOfMemoryError("even an Error is survived");
            running.countDown();
            forever.await();
        }, Duration.ofMillis(1), Duration.ofMillis(50))) {
            assertTrue(running.await(10, TimeUnit.SECONDS), "the third run started");
            assertEquals(2, s.restarts());
            assertEquals(3, runs.get());
        }
    }

    @Test
    void aLoopThatReturnsIsStartedAgain() throws Exception {
        CountDownLatch threeRuns = new CountDownLatch(3);
        try (Supervisor s = Supervisor.start("short", threeRuns::countDown, Duration.ofMillis(1), Duration.ofMillis(5))) {
            assertTrue(threeRuns.await(10, TimeUnit.SECONDS));
            assertTrue(s.restarts() >= 2);
        }
    }

    @Test
    void closeStopsABlockedLoop() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        Supervisor s = Supervisor.start("blocked", () -> {
            runs.incrementAndGet();
            started.countDown();
            new CountDownLatch(1).await();
        }, Duration.ofMillis(1), Duration.ofMillis(5));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        s.close();
        assertEquals(0, s.restarts(), "an interrupt from close is not a failure");
        assertEquals(1, runs.get());
    }
}
