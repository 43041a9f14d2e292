package gateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Keeps one background loop alive, as an Elixir supervisor keeps a process: when the loop throws
 * or returns, it is logged and started again after a back-off that doubles from {@code min} to
 * {@code max} (and starts over once a run has lasted longer than {@code max}). The loop's state
 * lives in the store, so a restart loses nothing. Thread-safe.
 */
final class Supervisor implements AutoCloseable {

    private static final Logger LOG = Log.get(Supervisor.class);

    /** A loop body: runs until it fails (throws) or has nothing more to do (returns). */
    interface Loop {
        void run() throws Exception;
    }

    private final String name;
    private final Loop loop;
    private final Duration min;
    private final Duration max;
    private final Clock clock;
    private final AtomicLong restarts = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;

    private Supervisor(String name, Loop loop, Duration min, Duration max, Clock clock) {
        this.name = name;
        this.loop = loop;
        this.min = min;
        this.max = max;
        this.clock = clock;
        this.thread = Threads.virtual(name).newThread(this::supervise);
    }

    /** Starts {@code loop} on its own virtual thread; {@code clock} times each run and waits out each back-off. */
    static Supervisor start(String name, Loop loop, Duration min, Duration max, Clock clock) {
        Supervisor supervisor = new Supervisor(name, loop, min, max, clock);
        supervisor.thread.start();
        return supervisor;
    }

    private void supervise() {
        Duration backoff = min;
        while (!closed) {
            long started = clock.nanoTime();
            String why;
            try {
                loop.run();
                why = "returned";
            } catch (InterruptedException e) {
                if (closed) return;
                why = "was interrupted";
            } catch (Exception | Error e) {
                if (closed) return;
                why = "failed: " + e;
            }
            if (Duration.ofNanos(clock.nanoTime() - started).compareTo(max) > 0) backoff = min;
            restarts.incrementAndGet();
            LOG.warning(name + " " + why + "; restarting in " + backoff.toMillis() + " ms");
            try {
                clock.sleep(backoff);
            } catch (InterruptedException e) {
                if (closed) return;
            }
            Duration doubled = backoff.multipliedBy(2);
            backoff = doubled.compareTo(max) > 0 ? max : doubled;
        }
    }

    /** How many times the loop has been restarted. */
    long restarts() {
        return restarts.get();
    }

    /** Stops the loop: interrupts it and waits for it to end. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
