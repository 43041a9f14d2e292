package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
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
        }, Duration.ofMillis(1), Duration.ofMillis(50), Clock.SYSTEM)) {
            assertTrue(running.await(10, TimeUnit.SECONDS), "the third run started");
            assertEquals(2, s.restarts());
            assertEquals(3, runs.get());
        }
    }

    @Test
    void theBackOffDoublesFromMinToMaxAndStartsOverAfterARunLongerThanMax() throws Exception {
        TestClock clock = new TestClock();
        Duration min = ms(100);
        Duration max = ms(1000);
        // How long each run lasts on the clock before it fails; the run after the last blocks until closed.
        List<Duration> runs = List.of(ms(0), ms(0), ms(0), ms(0), ms(0), ms(0), max, ms(0), max.plusNanos(1), ms(0), ms(0));
        AtomicInteger run = new AtomicInteger();
        try (Supervisor s = Supervisor.start("flaky", () -> {
            int i = run.getAndIncrement();
            if (i == runs.size()) new CountDownLatch(1).await();
            clock.advance(runs.get(i));
            throw new IllegalStateException("run " + i + " fails");
        }, min, max, clock)) {
            for (int i = 0; i < runs.size(); i++) {
                Duration backoff = clock.awaitSleeps(i + 1).get(i);
                clock.advance(backoff); // the back-off passes, and the next run starts
            }
            assertEquals(List.of(ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000),
                    ms(1000), // after a run of exactly max: no start over
                    ms(1000),
                    ms(100), // after a run longer than max: from min again
                    ms(200), ms(400)), clock.sleeps());
            assertEquals(runs.size(), s.restarts());
        }
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void aLoopThatReturnsIsStartedAgain() throws Exception {
        CountDownLatch threeRuns = new CountDownLatch(3);
        try (Supervisor s = Supervisor.start("short", threeRuns::countDown, Duration.ofMillis(1), Duration.ofMillis(5), Clock.SYSTEM)) {
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
        }, Duration.ofMillis(1), Duration.ofMillis(5), Clock.SYSTEM);
        assertTrue(started.await(10, TimeUnit.SECONDS));
        s.close();
        assertEquals(0, s.restarts(), "an interrupt from close is not a failure");
        assertEquals(1, runs.get());
    }
}
