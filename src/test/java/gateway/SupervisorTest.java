package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        CountDownLatch ended = new CountDownLatch(1);
        Supervisor s = Supervisor.start("blocked", () -> {
            runs.incrementAndGet();
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } finally {
                ended.countDown();
            }
        }, Duration.ofMillis(1), Duration.ofMillis(5), Clock.SYSTEM);
        assertTrue(started.await(10, TimeUnit.SECONDS));
        s.close();
        assertEquals(0, ended.getCount(), "the blocked loop was interrupted, not left behind");
        assertEquals(0, s.restarts(), "an interrupt from close is not a failure");
        assertEquals(1, runs.get());
    }

    private static final Pattern BACKOFF = Pattern.compile("restarting in (\\d+) ms");

    /** The back-offs the supervisor named loop logged, in order. */
    private static List<Long> backoffs(LogCapture log, String name) {
        return log.messages(Level.WARNING, name + " ").stream().map(m -> {
            Matcher matcher = BACKOFF.matcher(m);
            assertTrue(matcher.find(), m);
            return Long.parseLong(matcher.group(1));
        }).toList();
    }

    @Test
    void theBackOffDoublesFromMinToMaxAndWaitsThatLong() throws Exception {
        CountDownLatch tenRuns = new CountDownLatch(10);
        CountDownLatch forever = new CountDownLatch(1);
        List<Long> backoffs;
        long started = System.nanoTime();
        try (LogCapture log = LogCapture.of(Supervisor.class);
             Supervisor s = Supervisor.start("doubling", () -> {
                 tenRuns.countDown();
                 if (tenRuns.getCount() == 0) forever.await();
                 throw new IllegalStateException("fails at once");
             }, Duration.ofMillis(1), Duration.ofMillis(64), Clock.SYSTEM)) {
            assertTrue(tenRuns.await(30, TimeUnit.SECONDS));
            backoffs = backoffs(log, "doubling");
            assertEquals(9, s.restarts());
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(9, backoffs.size(), backoffs.toString());
        // A run that (on a loaded machine) took longer than max starts the back-off over; the
        // runs here fail at once, so at least some steps double, and every step obeys the rule.
        assertEquals(1, backoffs.get(0), backoffs.toString());
        int doublings = 0;
        for (int i = 1; i < backoffs.size(); i++) {
            long expected = Math.min(backoffs.get(i - 1) * 2, 64);
            assertTrue(backoffs.get(i) == expected || backoffs.get(i) == 1, backoffs.toString());
            if (backoffs.get(i) == expected && expected > 1) doublings++;
        }
        assertTrue(doublings >= 4, "the back-off doubles: " + backoffs);
        long slept = backoffs.stream().mapToLong(Long::longValue).sum();
        assertTrue(elapsedMillis >= slept, "waited " + elapsedMillis + " ms, less than the back-offs " + backoffs);
    }

    @Test
    void aRunLongerThanMaxStartsTheBackOffOver() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch fourthRun = new CountDownLatch(1);
        CountDownLatch forever = new CountDownLatch(1);
        List<Long> backoffs;
        TestClock clock = new TestClock();
        try (LogCapture log = LogCapture.of(Supervisor.class);
             Supervisor s = Supervisor.start("long", () -> {
                 int run = runs.incrementAndGet();
                 if (run == 3) clock.advance(Duration.ofMillis(120)); // longer than max: this loop had been working
                 if (run == 4) {
                     fourthRun.countDown();
                     forever.await();
                 }
                 throw new IllegalStateException("run " + run + " fails");
             }, Duration.ofMillis(10), Duration.ofMillis(40), clock)) {
            for (int i = 0; i < 3; i++) clock.advance(clock.awaitSleeps(i + 1).get(i)); // each back-off passes
            assertTrue(fourthRun.await(30, TimeUnit.SECONDS));
            backoffs = backoffs(log, "long");
        }
        assertEquals(3, backoffs.size(), backoffs.toString());
        assertEquals(10, backoffs.get(2), "after a long run the back-off is min again: " + backoffs);
    }

    @Test
    void closeKeepsTheCallersInterrupt() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Supervisor s = Supervisor.start("stubborn", () -> {
            started.countDown();
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    // a loop that takes a while to notice: close's wait for it is what gets interrupted
                }
            }
        }, Duration.ofMillis(1), Duration.ofMillis(5), Clock.SYSTEM);
        assertTrue(started.await(10, TimeUnit.SECONDS));
        Thread.currentThread().interrupt();
        s.close();
        boolean interrupted = Thread.interrupted();
        release.countDown();
        assertTrue(interrupted, "close must not swallow the interrupt of the thread that called it");
    }
}
