package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

class ReportQueueTest {

    @Test
    void reportsApplyOneAtATimeInTheOrderSubmitted() throws Exception {
        List<Integer> applied = Collections.synchronizedList(new ArrayList<>());
        try (ReportQueue queue = new ReportQueue(1000, Clock.SYSTEM)) {
            for (int i = 0; i < 1000; i++) {
                int n = i;
                queue.execute(() -> applied.add(n));
            }
            long start = System.nanoTime();
            queue.close(Duration.ofSeconds(60));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis < 30_000, "close returns once the queued reports are applied, not after its grace: " + tookMillis + " ms");
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 1000; i++) expected.add(i);
        assertEquals(expected, applied);
    }

    @Test
    void aFullQueueDropsReportsInsteadOfBlockingTheCaller() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> applied = Collections.synchronizedList(new ArrayList<>());
        try (ReportQueue queue = new ReportQueue(3, Clock.SYSTEM)) {
            queue.execute(() -> { // the store stalls on the first report
                running.countDown();
                await(release);
            });
            assertTrue(running.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 10; i++) {
                int n = i;
                queue.execute(() -> applied.add(n)); // returns at once whether queued or dropped
            }
            assertEquals(7, queue.dropped(), "three queued behind the stalled one, seven dropped");
            release.countDown();
            queue.close(Duration.ofSeconds(10));
        }
        assertEquals(List.of(0, 1, 2), applied);
    }

    @Test
    void aReportThatThrowsDoesNotStopTheOthers() {
        List<Integer> applied = Collections.synchronizedList(new ArrayList<>());
        ReportQueue queue = new ReportQueue(10, Clock.SYSTEM);
        queue.execute(() -> {
            throw new IllegalStateException("a bug");
        });
        queue.execute(() -> applied.add(1));
        queue.close(Duration.ofSeconds(10));
        assertEquals(List.of(1), applied);
        assertThrows(RejectedExecutionException.class, () -> queue.execute(() -> {}), "closed");
    }

    @Test
    void aBurstOfDropsIsLoggedOnceAndTheNextBurstAgain() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch secondRunning = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        String warning = "dropping them until the queue of 2 drains";
        try (LogCapture log = LogCapture.of(ReportQueue.class); ReportQueue queue = new ReportQueue(2, Clock.SYSTEM)) {
            queue.execute(() -> {
                firstRunning.countDown();
                await(releaseFirst);
            });
            assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
            queue.execute(() -> {
                secondRunning.countDown();
                await(releaseSecond);
            });
            queue.execute(() -> {});
            queue.execute(() -> {}); // full: dropped
            queue.execute(() -> {});
            assertEquals(1, log.messages(Level.WARNING, warning).size(), "one warning per burst, not per report");
            releaseFirst.countDown(); // one report applied, the store still lags: the same burst
            assertTrue(secondRunning.await(10, TimeUnit.SECONDS));
            queue.execute(() -> {});
            queue.execute(() -> {}); // full again
            assertEquals(3, queue.dropped());
            assertEquals(1, log.messages(Level.WARNING, warning).size(), "still the same burst");
            releaseSecond.countDown();
            Await.until(Duration.ofSeconds(20), "the queue drained", () -> { // a probe may find it still full
                CountDownLatch probe = new CountDownLatch(1);
                queue.execute(probe::countDown);
                try {
                    return probe.await(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return false;
                }
            });
            CountDownLatch thirdRunning = new CountDownLatch(1);
            CountDownLatch releaseThird = new CountDownLatch(1);
            queue.execute(() -> {
                thirdRunning.countDown();
                await(releaseThird);
            });
            assertTrue(thirdRunning.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++) queue.execute(() -> {}); // a new burst
            assertEquals(2, log.messages(Level.WARNING, warning).size(), "a new burst is logged again");
            releaseThird.countDown();
        }
    }

    @Test
    void closeGivesUpOnAHungReportAfterItsGraceAndStopsIt() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        ReportQueue queue = new ReportQueue(10, Clock.SYSTEM);
        queue.execute(() -> {
            running.countDown();
            try {
                never.await(60, TimeUnit.SECONDS); // a store call that hangs
            } catch (InterruptedException e) {
                interrupted.countDown();
                Thread.currentThread().interrupt(); // as a store call does: it keeps the interrupt
            }
        });
        assertTrue(running.await(10, TimeUnit.SECONDS));
        long start = System.nanoTime();
        queue.close(Duration.ofMillis(200));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0, interrupted.getCount(), "the hung report was interrupted when close returned");
        assertTrue(tookMillis < 30_000, "close waited " + tookMillis + " ms for a hung report");
    }

    @Test
    void closeWithoutGraceRejectsFurtherReports() {
        ReportQueue queue = new ReportQueue(10, Clock.SYSTEM);
        queue.close();
        assertThrows(RejectedExecutionException.class, () -> queue.execute(() -> {}));
        queue.close(); // idempotent
    }

    @Test
    void closeKeepsTheCallersInterrupt() {
        ReportQueue queue = new ReportQueue(10, Clock.SYSTEM);
        Thread.currentThread().interrupt();
        queue.close(Duration.ofSeconds(1));
        assertTrue(Thread.interrupted(), "close must not swallow the interrupt of the thread that called it");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
