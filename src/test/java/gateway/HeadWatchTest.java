package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The header timeout on a test clock: a head is watched from its task's start until it arrives, and no longer. */
class HeadWatchTest {

    static final Duration LIMIT = Duration.ofMillis(300);
    static final Duration TICK = LIMIT.dividedBy(10);

    final TestClock clock = new TestClock();

    @Test
    void aTaskStillReadingItsHeadAfterTheLimitIsInterruptedAndItsArrivalRefused() throws Exception {
        try (HeadWatch heads = new HeadWatch(Executors.newVirtualThreadPerTaskExecutor(), LIMIT, clock)) {
            CompletableFuture<Boolean> arrived = new CompletableFuture<>();
            CountDownLatch reading = new CountDownLatch(1);
            heads.execute(() -> {
                reading.countDown();
                try {
                    new CountDownLatch(1).await(); // a head read that never ends, until interrupted
                } catch (InterruptedException e) {
                    arrived.complete(heads.arrived());
                }
            });
            reading.await();
            clock.advance(LIMIT.minus(TICK));
            clock.awaitSleeps(2);
            assertEquals(0, heads.cutOff(), "not yet");
            clock.advance(TICK);
            assertFalse(arrived.get(10, TimeUnit.SECONDS), "cut off: the request must not go on");
            // the watch counts a cut after its interrupt, which may wake the task first
            Await.until(Duration.ofSeconds(10), "the cut is counted once", () -> heads.cutOff() == 1);
            Await.until(Duration.ofSeconds(10), "the task is forgotten", () -> heads.reading() == 0);
            assertEquals(1, heads.cutOff());
        }
    }

    @Test
    void aHeadThatArrivedIsNotWatchedHoweverLongItsRequestTakes() throws Exception {
        try (HeadWatch heads = new HeadWatch(Executors.newVirtualThreadPerTaskExecutor(), LIMIT, clock)) {
            CountDownLatch arrived = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
            heads.execute(() -> {
                assertTrue(heads.arrived());
                arrived.countDown();
                try {
                    done.await(); // the body, the replica, the answer: none of it is the head's
                    interrupted.complete(false);
                } catch (InterruptedException e) {
                    interrupted.complete(true);
                }
            });
            arrived.await();
            assertEquals(0, heads.reading());
            int sleeps = clock.sleeps().size();
            clock.advance(LIMIT.multipliedBy(10));
            clock.awaitSleeps(sleeps + 1); // the watch has looked after the clock moved
            done.countDown();
            assertFalse(interrupted.get(10, TimeUnit.SECONDS));
            assertEquals(0, heads.cutOff());
        }
    }

    @Test
    void aPoolThreadTakesNoInterruptFromACutIntoItsNextTask() throws Exception {
        var pool = Executors.newSingleThreadExecutor();
        try (HeadWatch heads = new HeadWatch(pool, LIMIT, clock)) {
            CountDownLatch reading = new CountDownLatch(1);
            heads.execute(() -> {
                reading.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    // the head read fails, as a channel read would
                }
            });
            reading.await();
            clock.awaitSleeps(1); // the watch is asleep: moving the clock before that would not wake it
            clock.advance(LIMIT.plus(TICK));
            CompletableFuture<Boolean> next = new CompletableFuture<>();
            Await.until(Duration.ofSeconds(10), "the head is cut off", () -> heads.cutOff() == 1);
            heads.execute(() -> next.complete(Thread.currentThread().isInterrupted()));
            assertFalse(next.get(10, TimeUnit.SECONDS), "the next task on the same thread starts uninterrupted");
        } finally {
            pool.shutdownNow();
        }
    }
}
