package gateway;

import com.sun.net.httpserver.HttpExchange;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * Bounds the wait for a client's request body: HttpServer reads bodies with blocking reads that
 * never time out, so one virtual thread per gateway looks over the bodies being read and ends
 * any read that has had no bytes for {@code --client-timeout-ms} (see {@link ClientStream#check}).
 * A request without a body costs nothing; one with a body costs a set entry. Thread-safe.
 */
final class BodyWatch implements AutoCloseable {

    private final Set<ClientStream> bodies = ConcurrentHashMap.newKeySet();
    private final Duration limit;
    private final ThreadFactory answers = Threads.virtual("client-timeout");
    private final Supervisor ticker;

    BodyWatch(Duration limit) {
        this.limit = limit;
        // a tenth of the limit: a stalled read ends between 1 and 1.1 limits after its last bytes
        Duration tick = Duration.ofNanos(Math.clamp(limit.toNanos() / 10, 10_000_000L, 1_000_000_000L));
        // supervised: a bug in one check is logged and the watch goes on, rather than dying silently
        this.ticker = Supervisor.start("body-watch", () -> watch(tick), RegistryWatcher.MIN_BACKOFF, RegistryWatcher.MAX_BACKOFF);
    }

    /** The exchange's request body, watched until {@link ClientStream#end} and its last read. */
    ClientStream open(HttpExchange exchange) {
        ClientStream body = new ClientStream(exchange, exchange.getRequestBody(), this);
        bodies.add(body);
        return body;
    }

    void forget(ClientStream body) {
        bodies.remove(body);
    }

    Duration limit() {
        return limit;
    }

    /** Runs a 408 answer on its own thread, so that a client that does not read cannot hold up the watch. */
    void start(Runnable answer) {
        answers.newThread(answer).start();
    }

    private void watch(Duration tick) throws InterruptedException {
        long limitNanos = limit.toNanos();
        while (true) {
            Thread.sleep(tick);
            long now = System.nanoTime();
            for (ClientStream body : bodies) body.check(now, limitNanos);
        }
    }

    @Override
    public void close() {
        ticker.close();
    }
}
