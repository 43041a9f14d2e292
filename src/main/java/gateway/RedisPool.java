package gateway;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The pooled connections to one Redis, and the one way a command runs on them: within a deadline,
 * on a fresh connection once more when a pooled one turns out dead, Jedis's exceptions turned
 * into {@link Store.Unavailable}. Thread-safe.
 */
final class RedisPool implements AutoCloseable {

    /** The store is used on registrations, failures and refreshes, never per successful request. */
    static final int POOL_SIZE = 16;
    /** A caller waits this long for a free connection, then fails rather than queueing forever. */
    static final Duration POOL_MAX_WAIT = Duration.ofMillis(500);
    /**
     * A call that failed on a broken connection within this time, without timing out, found it
     * already dead (Redis restarted since it was pooled), and is run once more on a fresh one.
     */
    static final long DEAD_CONNECTION_MILLIS = 250;

    private final RedisUrl url;
    private final RedisClient client;
    /** Runs every command, so that its caller can stop waiting at a deadline. */
    private final ExecutorService calls = Executors.newThreadPerTaskExecutor(Threads.virtual("redis-call"));

    /** Connects lazily: a Redis that is down now makes calls fail, not the constructor. */
    RedisPool(RedisUrl url, HostAndPort hostAndPort, JedisClientConfig config) {
        this.url = url;
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(POOL_SIZE);
        pool.setMaxIdle(POOL_SIZE);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(POOL_MAX_WAIT);
        // No PING on borrow: against a stalled Redis each one waits the socket timeout, one idle
        // connection after another. A connection that died while idle is found by call() instead.
        pool.setTestOnBorrow(false);
        pool.setJmxEnabled(false); // JMX names are JVM-wide state; several gateways may share a JVM
        this.client = RedisClient.builder().hostAndPort(hostAndPort).clientConfig(config).poolConfig(pool).build();
    }

    /** The client that commands passed to {@link #call} are written against. */
    RedisClient client() {
        return client;
    }

    /**
     * Runs {@code command} and returns its result, or fails with {@link Store.Unavailable} when it
     * fails or is not done by {@code deadline}, whatever the pool does meanwhile (commons-pool
     * replaces a broken connection at once, on the caller's thread, and against a stalled Redis
     * that waits a socket timeout of its own). A late command is interrupted, which closes its
     * connection; Redis may still run what it has received, as after any timeout.
     */
    <T> T call(Supplier<T> command, Duration deadline) {
        Future<T> result;
        try {
            result = calls.submit(() -> retryingADeadConnection(command));
        } catch (RejectedExecutionException e) {
            throw new Store.Unavailable("redis at " + url.authority() + ": the store is closed", e);
        }
        try {
            return result.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new Store.Unavailable("redis at " + url.authority() + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new Store.Unavailable("redis at " + url.authority() + " unreachable: no answer within " + deadline.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Store.Unavailable("redis at " + url.authority() + ": interrupted while waiting for it", e);
        } finally {
            result.cancel(true);
        }
    }

    /**
     * Pooled connections to a Redis that has restarted since are all dead, and are found so only
     * when used: a command that fails on one at once, not by timing out, runs again on a fresh
     * connection. A timeout is never retried: Redis may be stalled, and may yet run the command.
     */
    private <T> T retryingADeadConnection(Supplier<T> command) {
        // Real time, not a Clock's: it tells how long a real socket took to fail, as the deadline
        // in call() is Future.get's own timed wait.
        long start = System.nanoTime();
        try {
            return command.get();
        } catch (JedisConnectionException e) {
            if (timedOut(e) || System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(DEAD_CONNECTION_MILLIS)) throw failure(url, e);
            client.getPool().clear(); // the idle ones were opened to the same Redis: dead too
        } catch (JedisException e) {
            throw failure(url, e);
        }
        try {
            return command.get();
        } catch (JedisException e) {
            throw failure(url, e);
        }
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) return true;
        }
        return false;
    }

    /** The url in the message is only host:port: never the password. */
    static Store.Unavailable failure(RedisUrl url, JedisException e) {
        String what = e instanceof JedisConnectionException ? " unreachable: " : " failed: ";
        return new Store.Unavailable("redis at " + url.authority() + what + e.getMessage(), e);
    }

    @Override
    public void close() {
        calls.shutdownNow();
        client.close();
    }
}
