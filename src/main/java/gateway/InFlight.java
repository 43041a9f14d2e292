package gateway;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor HttpServer hands each exchange to, counting the exchanges it has taken and not yet
 * finished, so that a stop waits for exactly the requests in flight. HttpServer's own count cannot
 * serve: an exchange whose streamed answer broke off never leaves it (see Router). Thread-safe.
 */
final class InFlight implements Executor {

    /** How often a stop looks at the count; only a stop waits, so a poll costs nothing elsewhere. */
    private static final Duration POLL = Duration.ofMillis(10);

    private final Executor requests;
    private final AtomicInteger running = new AtomicInteger();
    private final Clock clock;

    InFlight(Executor requests, Clock clock) {
        this.requests = requests;
        this.clock = clock;
    }

    @Override
    public void execute(Runnable exchange) {
        running.incrementAndGet(); // before the hand-off: a queued exchange is in flight too
        try {
            requests.execute(() -> {
                try {
                    exchange.run();
                } finally {
                    running.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            running.decrementAndGet();
            throw e;
        }
    }

    /** Exchanges taken and not yet finished. */
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
