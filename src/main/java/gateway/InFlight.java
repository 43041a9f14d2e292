package gateway;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests a server has taken and not yet answered, so that a stop waits for exactly
 * the requests in flight (HttpServer's own count cannot serve: an exchange whose streamed answer
 * broke off never leaves it, see Router). Thread-safe.
 */
final class InFlight {

    /** How often a stop looks at the count; only a stop waits, so a poll costs nothing elsewhere. */
    private static final Duration POLL = Duration.ofMillis(10);

    private final AtomicInteger running = new AtomicInteger();
    private final Clock clock;

    InFlight(Clock clock) {
        this.clock = clock;
    }

    /** A request was taken: counted until {@link #exit}. */
    void enter() {
        running.incrementAndGet();
    }

    /** A request taken by {@link #enter} is over. */
    void exit() {
        running.decrementAndGet();
    }

    /** An executor that runs each task on {@code requests}, counted from the hand-off (a queued request is in flight too). */
    Executor over(Executor requests) {
        return task -> {
            enter();
            try {
                requests.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        exit();
                    }
                });
            } catch (RejectedExecutionException e) {
                exit();
                throw e;
            }
        };
    }

    /** Requests taken and not yet answered. */
    int count() {
        return running.get();
    }

    /** Waits until no exchange is in flight or {@code limit} has passed; true if none is. */
    boolean awaitNone(Duration limit) {
        long deadline = clock.nanoTime() + limit.toNanos();
        while (running.get() > 0) {
            if (clock.nanoTime() - deadline >= 0) return false;
            try {
                clock.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
