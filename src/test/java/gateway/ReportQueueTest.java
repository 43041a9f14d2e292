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
            queue.close(Duration.ofSeconds(10));
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

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
