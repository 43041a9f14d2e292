package gateway;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * Bounds the time to read a request head ({@code --header-timeout-ms}). HttpServer hands each
 * exchange to its executor as soon as the request's first byte arrives, and that task reads the
 * head with blocking reads that never time out before any handler runs. So this executor watches
 * each task from its start until {@link #arrived} (the first filter calls it), and interrupts
 * one still reading its head after the limit: a blocked channel read then ends by closing its
 * channel, and HttpServer drops the connection. A body is not the head's: BodyWatch bounds it.
 * Thread-safe.
 */
final class HeadWatch implements Executor, AutoCloseable {

    private final Executor exchanges;
    private final Duration limit;
    private final Clock clock;
    /** Each exchange task's thread, and the head it reads. */
    private final Map<Thread, Head> reading = new ConcurrentHashMap<>();
    private final Supervisor ticker;
    private final AtomicLong cutOff = new AtomicLong();

    HeadWatch(Executor exchanges, Duration limit, Clock clock) {
        this.exchanges = exchanges;
        this.limit = limit;
        this.clock = clock;
        this.ticker = ticker(limit, clock, this::cutLate);
    }

    /**
     * Starts the supervised loop that calls {@code cutLate} with the clock's time every tenth of
     * {@code limit} (10 ms to 1 s), so a stalled head is cut off between 1 and 1.1 limits after its
     * first byte; the other stacks' head timeouts (benchmarks/variants) run on it too.
     */
    static Supervisor ticker(Duration limit, Clock clock, LongConsumer cutLate) {
        Duration tick = Duration.ofNanos(Math.clamp(limit.toNanos() / 10, 10_000_000L, 1_000_000_000L));
        return Supervisor.start("head-watch", () -> {
            while (true) {
                clock.sleep(tick);
                cutLate.accept(clock.nanoTime());
            }
        }, RegistryWatcher.MIN_BACKOFF, RegistryWatcher.MAX_BACKOFF, clock);
    }

    @Override
    public void execute(Runnable exchange) {
        exchanges.execute(() -> {
            Thread thread = Thread.currentThread();
            Head head = new Head(thread, clock.nanoTime());
            reading.put(thread, head);
            try {
                exchange.run();
            } finally {
                head.finish();
                reading.remove(thread, head);
            }
        });
    }

    /**
     * Called on an exchange task's thread once its head has been read: the request goes on, and
     * its head is no longer watched. False when the head came too late and has been cut off.
     * (True on a thread this executor did not start: nothing watches it.)
     */
    boolean arrived() {
        Thread thread = Thread.currentThread();
        Head head = reading.get(thread);
        if (head == null) return true;
        boolean inTime = head.arrive();
        reading.remove(thread, head);
        return inTime;
    }

    /** Heads cut off for taking too long, since the start. */
    long cutOff() {
        return cutOff.get();
    }

    /** Heads being read now. */
    int reading() {
        return reading.size();
    }

    private void cutLate(long now) {
        for (Head head : reading.values()) {
            if (head.cutIfOlder(now, limit.toNanos())) cutOff.incrementAndGet();
        }
    }

    @Override
    public void close() {
        ticker.close();
    }

    /**
     * One exchange task's head: read, arrived (handed to the filters), or cut off. Lock-free: the
     * request's thread and the watch race on one state, and a cut is CUTTING while its interrupt
     * is delivered, so the task's end waits for it and clears it. Thread-safe.
     */
    private static final class Head {

        private enum State { READING, ARRIVED, CUTTING, CUT, FINISHED }

        private final Thread thread;
        private final long since;
        private final AtomicReference<State> state = new AtomicReference<>(State.READING);

        Head(Thread thread, long since) {
            this.thread = thread;
            this.since = since;
        }

        /** The head has been read and the request goes on; false when it came too late and was cut off. */
        private boolean arrive() {
            return state.compareAndSet(State.READING, State.ARRIVED) || state.get() == State.ARRIVED;
        }

        /** The task is over: a cut's interrupt must not reach the thread's next task. */
        private void finish() {
            while (true) {
                State now = state.get();
                if (now == State.CUTTING) {
                    Thread.onSpinWait(); // the watch is between its decision and the interrupt: a few instructions
                    continue;
                }
                if (state.compareAndSet(now, State.FINISHED)) {
                    if (now == State.CUT) Thread.interrupted();
                    return;
                }
            }
        }

        private boolean cutIfOlder(long now, long limitNanos) {
            if (now - since < limitNanos || !state.compareAndSet(State.READING, State.CUTTING)) return false;
            thread.interrupt(); // a blocked channel read ends by closing its channel: the only way the JDK offers
            state.set(State.CUT);
            return true;
        }
    }
}
