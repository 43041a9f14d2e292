package gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A clock that moves only when told: {@link #advance} moves it, and a {@link #sleep} returns once
 * the clock has been moved to its end. Sleeps are recorded, so a test can wait until a thread has
 * gone to sleep (its work before the sleep is then done) and see how long it meant to. Thread-safe.
 */
final class TestClock implements Clock {

    /** How long a test waits, in real time, for a sleep that should come: a bug, not a slow machine, if it does not. */
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // guarded by lock:
    private long now = 1_000_000_000L; // not zero: code under test may treat 0 as "never"
    private final List<Duration> sleeps = new ArrayList<>();

    @Override
    public long nanoTime() {
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        lock.lock();
        try {
            long until = now + duration.toNanos();
            sleeps.add(duration);
            changed.signalAll();
            while (now - until < 0) changed.await();
        } finally {
            lock.unlock();
        }
    }

    /** Moves the clock on, waking every sleep that ends by then. */
    void advance(Duration duration) {
        if (duration.isNegative()) throw new IllegalArgumentException("a clock does not go back: " + duration);
        lock.lock();
        try {
            now += duration.toNanos();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits (in real time, up to a generous limit) until {@code count} sleeps have begun since the
     * clock was made, and returns them all, oldest first.
     */
    List<Duration> awaitSleeps(int count) throws InterruptedException {
        long left = PATIENCE.toNanos();
        lock.lock();
        try {
            while (sleeps.size() < count) {
                if (left <= 0) throw new AssertionError("only " + sleeps.size() + " of " + count + " sleeps began: " + sleeps);
                left = changed.awaitNanos(left);
            }
            return List.copyOf(sleeps);
        } finally {
            lock.unlock();
        }
    }

    /** Sleeps begun so far, oldest first. */
    List<Duration> sleeps() {
        lock.lock();
        try {
            return List.copyOf(sleeps);
        } finally {
            lock.unlock();
        }
    }
}
