package gateway;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A real {@code redis-server} on a free loopback port, with no persistence; {@link #stop()} and
 * {@link #start()} again on the same port make an outage. Its output goes to a temporary log that
 * failures quote. Not thread-safe: one test class drives it.
 */
final class RedisServer implements AutoCloseable {

    private static final String BINARY = "redis-server";
    private static final long STARTUP_MILLIS = 10_000;
    private static final long POLL_MILLIS = 20;

    private final int port;
    private final Path log;
    /** Where an append-only file keeps the data across restarts, or null for no persistence. */
    private final Path dataDir;
    private Process process;
    private boolean frozen;

    private RedisServer(int port, Path log, Path dataDir) {
        this.port = port;
        this.log = log;
        this.dataDir = dataDir;
    }

    /**
     * Starts a server, or, when {@code redis-server} is not on the PATH, skips the test — except in
     * CI ({@code CI=true}), where the missing binary fails it.
     */
    static RedisServer startOrSkip() {
        return startOrSkip(false);
    }

    /** As {@link #startOrSkip()}, with an fsync-always append-only file, so data survives a kill and restart. */
    static RedisServer startDurableOrSkip() {
        return startOrSkip(true);
    }

    private static RedisServer startOrSkip(boolean durable) {
        if (!onPath(BINARY)) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(BINARY + " is not on the PATH: redis-server is required in CI; .ci/run installs it");
            }
            Assumptions.abort(BINARY + " is not on the PATH; install it (Debian: apt-get install redis-server) to run the Redis tests");
        }
        try {
            RedisServer server = new RedisServer(freePort(), Files.createTempFile("redis-server-", ".log"),
                    durable ? Files.createTempDirectory("redis-data-") : null);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server on its port and returns once it answers PING; fails with its log otherwise. */
    void start() {
        if (process != null && process.isAlive()) throw new IllegalStateException("redis-server on " + port + " is running");
        List<String> command = new java.util.ArrayList<>(List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", ""));
        if (dataDir == null) {
            command.addAll(List.of("--appendonly", "no"));
        } else {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always", "--dir", dataDir.toString()));
        }
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_MILLIS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("redis-server exited with " + process.exitValue() + ":\n" + logText());
            if (answersPing()) return;
            pause();
        }
        stop();
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within " + STARTUP_MILLIS + " ms:\n" + logText());
    }

    /**
     * Stops the process where it stands (SIGSTOP), as a stalled server or a network black hole
     * looks to clients: connections are accepted by the kernel, nothing is ever answered.
     */
    void freeze() {
        signal("STOP");
        frozen = true;
    }

    /** Lets a {@link #freeze() frozen} server run again (SIGCONT). */
    void thaw() {
        if (!frozen) return;
        signal("CONT");
        frozen = false;
    }

    /** Ends the process (SIGTERM, then SIGKILL if it lingers) and waits for it to exit. */
    void stop() {
        if (process == null) return;
        thaw(); // a stopped process would only act on SIGTERM once continued
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the process outright (SIGKILL), as a crash would, and waits for it to exit. */
    void kill() {
        if (process == null) return;
        frozen = false; // SIGKILL ends a stopped process too
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int port() {
        return port;
    }

    private void signal(String name) {
        if (process == null || !process.isAlive()) throw new IllegalStateException("redis-server on " + port + " is not running");
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling redis-server", e);
        }
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** A plain client on database 0, for looking at raw keys; the caller closes it. */
    Jedis client() {
        return client(2000);
    }

    @Override
    public void close() {
        stop();
        try {
            Files.deleteIfExists(log);
            if (dataDir != null) {
                try (var files = Files.walk(dataDir)) {
                    for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // a stray temporary file is harmless
        }
    }

    private boolean answersPing() {
        try (Jedis jedis = client(200)) {
            return "PONG".equals(jedis.ping());
        } catch (JedisException e) {
            return false; // not listening yet
        }
    }

    private Jedis client(int timeoutMillis) {
        // The server's own protocol: a plain Jedis cannot negotiate RESP3 and warns when asked to.
        JedisClientConfig config = DefaultJedisClientConfig.builder().serverDefaultProtocol().timeoutMillis(timeoutMillis).build();
        return new Jedis(new HostAndPort("127.0.0.1", port), config);
    }

    private String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS); // between PING attempts, not in place of one
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) return true;
        }
        return false;
    }
}
