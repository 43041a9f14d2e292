package gateway;

import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The helidon upstream's keep-alive connections, per replica, newest first, each given to a
 * request explicitly. Helidon's own pool would hide the connection of an attempt that failed and
 * leave it open (neither pooled nor closed), where the gateway must close it. A connection idle
 * for {@link #MAX_IDLE} is closed, as {@link SocketUpstream}'s are, and one with bytes past its
 * answer's end is never pooled. Thread-safe.
 */
final class HelidonPool {

    /** Idle connections older than this are closed, not reused: replicas close theirs after 2 s (gunicorn) or more. */
    static final Duration MAX_IDLE = SocketUpstream.MAX_IDLE;
    private static final int MAX_IDLE_PER_REPLICA = SocketUpstream.MAX_IDLE_PER_REPLICA;

    /** One pooled connection and since when it is idle. */
    private record Idle(TcpClientConnection connection, long since) {}

    private final WebClient web;
    private final Tls plain = Tls.builder().enabled(false).build();
    private final ConcurrentHashMap<Address, LinkedBlockingDeque<Idle>> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Connections made with {@code web}'s settings (connect timeout, TLS); {@code timer} sweeps idle ones. */
    HelidonPool(WebClient web, ScheduledExecutorService timer) {
        this.web = web;
        timer.scheduleWithFixedDelay(this::sweep, MAX_IDLE.toNanos(), MAX_IDLE.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A pooled connection not expired, or a new one, not yet connected (see TcpClientConnection.connect). */
    TcpClientConnection take(Address replica, URI base) {
        // bounded: its size is counted, not walked (ConcurrentLinkedDeque.size() was 6 % of the CPU profile)
        LinkedBlockingDeque<Idle> idle = pools.computeIfAbsent(replica, r -> new LinkedBlockingDeque<>(MAX_IDLE_PER_REPLICA));
        long now = System.nanoTime();
        for (Idle i = idle.pollFirst(); i != null; i = idle.pollFirst()) {
            if (now - i.since() < MAX_IDLE.toNanos() && i.connection().isConnected()) return i.connection();
            i.connection().closeResource();
        }
        boolean tls = base.getScheme().equals("https");
        ConnectionKey key = ConnectionKey.create(base.getScheme(), host(base), port(base), tls ? web.prototype().tls() : plain,
                web.prototype().dnsResolver(), web.prototype().dnsAddressLookup(), io.helidon.webclient.api.Proxy.noProxy());
        return TcpClientConnection.create(web, key, List.of("http/1.1"), connection -> give(idle, connection), connection -> {});
    }

    /** Helidon's release of a connection whose answer was read to its end: pooled (true), or to be closed. */
    private boolean give(LinkedBlockingDeque<Idle> idle, TcpClientConnection connection) {
        // bytes already past the answer's end would be read as the next request's answer
        if (closed || connection.reader().available() > 0) return false;
        if (!idle.offerFirst(new Idle(connection, System.nanoTime()))) return false; // full

        if (closed) close(); // raced with close(): leave nothing open
        return true;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (var idle : pools.values()) {
            // oldest at the end: close from there until a fresh one
            for (Idle i = idle.peekLast(); i != null && now - i.since() >= MAX_IDLE.toNanos(); i = idle.peekLast()) {
                if (idle.removeLastOccurrence(i)) i.connection().closeResource();
            }
        }
    }

    /** Closes every idle connection; those in use are closed when their requests release them. */
    void close() {
        closed = true;
        for (var idle : pools.values()) {
            for (Idle i = idle.pollFirst(); i != null; i = idle.pollFirst()) i.connection().closeResource();
        }
    }

    static String host(URI base) {
        return base.getHost().startsWith("[") ? base.getHost().substring(1, base.getHost().length() - 1) : base.getHost();
    }

    static int port(URI base) {
        return base.getPort() >= 0 ? base.getPort() : base.getScheme().equals("https") ? 443 : 80;
    }
}
