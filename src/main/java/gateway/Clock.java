package gateway;

import java.time.Duration;

/**
 * The time every timing decision reads and every back-off waits on: {@link #SYSTEM} in the
 * gateway, a TestClock in tests, so back-offs and deadlines are tested without sleeping. The JDK's
 * own timed waits (HttpClient's request timeout, {@code Future.get}, a latch's await) run on real
 * time whatever the clock. Thread-safe.
 */
interface Clock {

    /** {@link System#nanoTime} and {@link Thread#sleep}. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration);
        }

        @Override
        public long millis() {
            return System.currentTimeMillis();
        }
    };

    /** Nanoseconds from an arbitrary origin, as {@link System#nanoTime}: only differences mean anything. */
    long nanoTime();

    /**
     * Milliseconds that every gateway sharing a store reads alike: wall-clock time for
     * {@link #SYSTEM} (so gateways' clocks should agree, as NTP keeps them, to well under an
     * ejection time); the same clock's nanoseconds for a test's. Ejections' return times are
     * stored in it.
     */
    default long millis() {
        return Math.floorDiv(nanoTime(), 1_000_000L);
    }

    /** Returns once {@code duration} has passed on this clock. */
    void sleep(Duration duration) throws InterruptedException;
}
