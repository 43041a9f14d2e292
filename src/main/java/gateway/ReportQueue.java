package gateway;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The breaker's reports on their way to a remote store, applied one at a time by one supervised
 * thread in the order they were submitted, so a replica's failure and the success after it reach
 * the store in that order. Bounded: while the store lags, a report that finds the queue full is
 * dropped (one WARNING per burst), never waited for. Thread-safe.
 */
final class ReportQueue implements Store.Reports, AutoCloseable {

    private static final Logger LOG = Log.get(ReportQueue.class);

    /** Reports are a few dozen bytes; this many is seconds of a failing replica under load. */
    static final int CAPACITY = 4096;
    /** Marks the end of the queue at close: once it is taken, everything before it was applied. */
    private static final Runnable END = () -> {};

    private final int capacity;
    private final BlockingQueue<Runnable> queue;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicBoolean dropping = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private final Supervisor drainer;
    private volatile boolean closed;

    ReportQueue(int capacity, Clock clock) {
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        // The same back-off as the watcher's loops; drain() ends only on an Error.
        this.drainer = Supervisor.start("breaker-reports", this::drain, RegistryWatcher.MIN_BACKOFF, RegistryWatcher.MAX_BACKOFF, clock);
    }

    /**
     * Queues {@code report}; never blocks. Drops it when the queue is full.
     *
     * @throws RejectedExecutionException once the queue is closed
     */
    @Override
    public void execute(Runnable report) {
        if (closed) throw new RejectedExecutionException("report queue closed");
        if (queue.offer(report)) return;
        dropped.incrementAndGet();
        if (dropping.compareAndSet(false, true)) {
            LOG.warning("the store is not keeping up with failure reports: dropping them until the queue of "
                    + capacity + " drains");
        }
    }

    private void drain() throws InterruptedException {
        while (true) {
            Runnable report = queue.take();
            if (report == END) {
                ended.countDown();
                continue;
            }
            try {
                report.run();
            } catch (RuntimeException e) { // a bug in one report must not stop the others
                LOG.log(Level.SEVERE, "bug: a breaker report failed", e);
            }
            if (queue.isEmpty()) dropping.set(false); // the burst is over: the next one is logged again
        }
    }

    /** Reports dropped because the queue was full, since the start. */
    long dropped() {
        return dropped.get();
    }

    /** Stops taking reports, applies those already queued for up to {@code grace}, then stops. */
    @Override
    public void close(Duration grace) {
        if (closed) return;
        closed = true;
        // Real time, not the clock's: what it bounds are the JDK's own timed waits.
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            if (queue.offer(END, grace.toNanos(), TimeUnit.NANOSECONDS)) {
                ended.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainer.close();
        if (!queue.isEmpty()) LOG.fine(queue.size() + " breaker reports not applied at shutdown");
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
