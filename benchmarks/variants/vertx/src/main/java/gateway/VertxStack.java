package gateway;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The vertx variant: Vert.x 5 (Netty 4.2) at both edges, one Vertx with as many event loops as
 * cores, shared by its {@link VertxServer} and {@link VertxUpstream}. The core is blocking code,
 * so each request's Router.handle runs on a virtual thread of its own and waits for the event loops
 * (body bytes, write room, the replica's answer) there: the attempt loop, retries and breaker stay
 * the one code path every stack shares, instead of a second copy written as futures. Thread-safe.
 */
public final class VertxStack implements Stack {

    /** How long a start or a stop of Vert.x itself may take before the gateway gives up on it. */
    static final Duration LIFECYCLE = Duration.ofSeconds(10);

    /** The Vertx shared by this stack's server and upstream, and how many of the two still use it. */
    private Vertx vertx;
    private int users;

    public VertxStack() {}

    @Override
    public String name() {
        return "vertx";
    }

    @Override
    public Server bind(Config config, InFlight inFlight, Clock clock) throws IOException {
        return VertxServer.bind(acquire(), this::release, config, inFlight, clock);
    }

    @Override
    public Upstream upstream(Config config, Clock clock) {
        return new VertxUpstream(acquire(), this::release, config.connectTimeout());
    }

    /** The shared Vertx, made on first use; each caller gives it back with {@link #release}. */
    private synchronized Vertx acquire() {
        if (vertx == null) {
            vertx = Vertx.vertx(new VertxOptions()
                    .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors())
                    // no .vertx cache directory in the working directory: the gateway serves no files
                    .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false))
                    // a virtual thread that waits is no blocked event loop; the core never runs on one
                    .setBlockedThreadCheckInterval(TimeUnit.SECONDS.toMillis(10)));
        }
        users++;
        return vertx;
    }

    private synchronized void release() {
        if (--users > 0) return;
        Vertx closing = vertx;
        vertx = null;
        await(closing.close(), LIFECYCLE);
    }

    /** Waits on a virtual or platform thread, never an event loop, for a Vert.x future. */
    static <T> T await(io.vertx.core.Future<T> future, Duration limit) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Vert.x", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Vert.x did not finish within " + limit.toMillis() + " ms");
        }
    }
}
