package gateway;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the wait for a client's request body: HttpServer reads bodies with blocking reads that
 * never time out, so one virtual thread per gateway looks over the bodies being read and ends
 * any read that has had no bytes for {@code --client-timeout-ms} (see {@link ClientStream#check}).
 * A request without a body costs nothing; one with a body costs a set entry. Thread-safe.
 */
final class BodyWatch implements AutoCloseable {

    private final Set<ClientStream> bodies = ConcurrentHashMap.newKeySet();
    private final Duration limit;
    private final Clock clock;
    private final ThreadFactory answers = Threads.virtual("client-timeout");
    private final Supervisor ticker;
    private final AtomicLong cutOff = new AtomicLong();

    BodyWatch(Duration limit, Clock clock) {
        this.limit = limit;
        this.clock = clock;
        // a tenth of the limit: a stalled read ends between 1 and 1.1 limits after its last bytes
        Duration tick = Duration.ofNanos(Math.clamp(limit.toNanos() / 10, 10_000_000L, 1_000_000_000L));
        // supervised: a bug in one check is logged and the watch goes on, rather than dying silently
        this.ticker = Supervisor.start("body-watch", () -> watch(tick), RegistryWatcher.MIN_BACKOFF, RegistryWatcher.MAX_BACKOFF,
                clock);
    }

    /** The exchange's request body, watched until {@link ClientStream#end} and its last read. */
    ClientStream open(Exchange exchange) {
        ClientStream body = new ClientStream(exchange, exchange.getRequestBody(), this, clock);
        bodies.add(body);
        return body;
    }

    void forget(ClientStream body) {
        bodies.remove(body);
    }

    /** Bodies being watched now: each request body from {@code open} to its {@code end}. */
    int watching() {
        return bodies.size();
    }

    Duration limit() {
        return limit;
    }

    /** Reads the watch has ended for want of the client's bytes, since the start. */
    long cutOff() {
        return cutOff.get();
    }

    /** Runs a 408 answer on its own thread, so that a client that does not read cannot hold up the watch. */
    void start(Runnable answer) {
        answers.newThread(answer).start();
    }

    private void watch(Duration tick) throws InterruptedException {
        long limitNanos = limit.toNanos();
        while (true) {
            clock.sleep(tick);
            long now = clock.nanoTime();
            for (ClientStream body : bodies) {
                if (body.check(now, limitNanos)) cutOff.incrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        ticker.close();
    }
}
