package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A stop's wait for the requests in flight, on a clock that moves only when the test says. */
class InFlightTest {

    @Test
    void aStopWaitsForTheRequestInFlightUntilTheGraceHasPassedAndNoLonger() throws Exception {
        TestClock clock = new TestClock();
        CountDownLatch release = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            InFlight inFlight = new InFlight(clock);
            inFlight.over(threads).execute(() -> await(release));
            CompletableFuture<Boolean> none = CompletableFuture.supplyAsync(() -> inFlight.awaitNone(Duration.ofSeconds(1)), threads);
            int polls = 0;
            Duration waited = Duration.ZERO;
            while (waited.compareTo(Duration.ofSeconds(1)) < 0) {
                Duration poll = clock.awaitSleeps(++polls).get(polls - 1);
                assertFalse(none.isDone(), "gave up after " + waited.toMillis() + " ms of a 1000 ms grace");
                clock.advance(poll);
                waited = waited.plus(poll);
            }
            assertFalse(none.get(10, TimeUnit.SECONDS), "the request is still in flight");
            assertEquals(1, inFlight.count());

            CompletableFuture<Boolean> again = CompletableFuture.supplyAsync(() -> inFlight.awaitNone(Duration.ofSeconds(1)), threads);
            Duration poll = clock.awaitSleeps(polls + 1).get(polls);
            release.countDown(); // the request ends within the grace
            Await.until(Duration.ofSeconds(10), "the request has ended", () -> inFlight.count() == 0);
            clock.advance(poll);
            assertTrue(again.get(10, TimeUnit.SECONDS), "the wait ends with the last request");
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
