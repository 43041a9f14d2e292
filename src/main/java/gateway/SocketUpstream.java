package gateway;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A blocking HTTP/1.1 upstream on pooled sockets, run on the request's own thread: no futures, no
 * selector, no task hand-off. Idle connections are kept per replica, newest first, for
 * {@link #MAX_IDLE}; each is checked for a close by the replica before it is reused, and a request
 * that finds one closed anyway before any byte of the answer is sent once more on a fresh connection
 * only when its method is idempotent. Thread-safe.
 */
final class SocketUpstream implements Upstream {

    /** Idle connections older than this are closed, not reused: replicas close theirs after 2 s (gunicorn) or more. */
    static final Duration MAX_IDLE = Duration.ofSeconds(1);
    /** Idle connections kept per replica; more are closed. */
    static final int MAX_IDLE_PER_REPLICA = 256;

    /**
     * Deadlines run on real time, as HttpClient's timeout does (socket timeouts are the JDK's timers);
     * the injected clock decides only how long a connection has been idle.
     */
    private static final Clock REAL = Clock.SYSTEM;

    private final int connectMillis;
    private final Clock clock;
    private final ConcurrentHashMap<Address, Pool> pools = new ConcurrentHashMap<>();
    /** Cuts off body writes at their deadline, and sweeps idle connections. */
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, Threads.virtual("upstream-timer"));
    private volatile boolean closed;

    SocketUpstream(Duration connectTimeout, Clock clock) {
        this.connectMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.clock = clock;
        timer.setRemoveOnCancelPolicy(true); // a cancelled cut-off is garbage at once, not at its deadline
        timer.scheduleWithFixedDelay(this::sweep, MAX_IDLE.toNanos(), MAX_IDLE.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public Answer send(Request request, Address replica, long timeoutNanos) throws IOException {
        long deadline = REAL.nanoTime() + timeoutNanos;
        Pool pool = pools.computeIfAbsent(replica, Pool::new);
        byte[] head = ReplicaConnection.head(request.method(), pool.path(request), pool.authority, request.headers(), request.body());
        ReplicaConnection connection = pool.take();
        boolean reused = connection != null;
        if (!reused) connection = connect(pool, deadline);
        try {
            return exchange(connection, pool, head, request, deadline);
        } catch (IOException e) {
            connection.close();
            // A pooled connection the replica closed just as it was taken: the request never reached
            // it, or did and was lost unanswered; only an idempotent one may be sent again.
            if (!reused || connection.answerBegan() || e instanceof HttpTimeoutException || request.body().clientFailed()
                    || !Outcome.IDEMPOTENT.contains(request.method()) || !request.body().replayable()) throw e;
        }
        ReplicaConnection fresh = connect(pool, deadline);
        try {
            return exchange(fresh, pool, head, request, deadline);
        } catch (IOException e) {
            fresh.close();
            throw e;
        }
    }

    private Answer exchange(ReplicaConnection connection, Pool pool, byte[] head, Request request, long deadline) throws IOException {
        connection.write(head, request.body(), deadline, timer);
        ReplicaConnection.Head answer;
        try {
            answer = connection.readHead(deadline, REAL);
        } catch (IOException e) {
            if (connection.wasCutOff()) throw new HttpTimeoutException("no answer from the replica in time");
            throw e;
        }
        var malformed = ReplicaAnswer.malformed(answer.status(), answer.headers());
        if (malformed.isPresent()) throw new java.net.ProtocolException(malformed.get());
        Map<String, List<String>> headers = answer.headers();
        List<String> lengths = headers.get("content-length");
        long length = lengths == null ? -1 : Long.parseLong(lengths.get(0)); // digits, checked by ReplicaAnswer
        boolean keepAlive = answer.keepAlive();
        int status = answer.status();
        if (request.method().equals("HEAD") || status == 204 || status == 304) {
            return new Answer(status, headers, length, ReplicaBody.ofLength(connection, pool, keepAlive, 0));
        }
        if (headers.containsKey("transfer-encoding")) return new Answer(status, headers, -1, ReplicaBody.chunked(connection, pool, keepAlive));
        if (length < 0) return new Answer(status, headers, -1, ReplicaBody.toTheEnd(connection, pool));
        if (length <= HttpClientUpstream.READ_WHOLE) {
            // Read whole, as HttpClientUpstream does: a break-off is a failed attempt before the client sees a byte.
            byte[] all = new byte[(int) length];
            int got = 0;
            while (got < all.length) {
                int n = connection.readBody(all, got, all.length - got, deadline, REAL);
                if (n < 0) throw new IOException("the replica closed the connection " + (length - got) + " bytes before the end of its answer");
                got += n;
            }
            ReplicaBody.over(connection, pool, keepAlive);
            return new Answer(status, headers, length, new ByteArrayInputStream(all));
        }
        return new Answer(status, headers, length, ReplicaBody.ofLength(connection, pool, keepAlive, length));
    }

    private ReplicaConnection connect(Pool pool, long deadline) throws IOException {
        long left = (deadline - REAL.nanoTime()) / 1_000_000;
        if (left <= 0) throw new HttpTimeoutException("no time left to connect");
        boolean deadlineFirst = left < connectMillis;
        InetSocketAddress address = new InetSocketAddress(pool.host, pool.port); // resolved on each connect, as HttpClient does
        if (address.isUnresolved()) throw new ConnectException("unknown host " + pool.host);
        SocketChannel channel = SocketChannel.open();
        try {
            Socket socket = channel.socket();
            socket.setTcpNoDelay(true);
            try {
                socket.connect(address, (int) Math.max(1, Math.min(left, connectMillis)));
            } catch (SocketTimeoutException e) {
                if (deadlineFirst) throw new HttpTimeoutException("no answer from the replica in time (connecting)");
                throw new HttpConnectTimeoutException("no connection to " + pool.host + ":" + pool.port + " within " + connectMillis + " ms");
            }
            if (pool.tls) socket = tls(socket, pool.host, pool.port);
            return new ReplicaConnection(channel, socket);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** TLS over the connected socket, the host name verified as HttpClient verifies it. */
    private static Socket tls(Socket plain, String host, int port) throws IOException {
        SSLSocket socket = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    /** Closes idle connections past {@link #MAX_IDLE}, so a replica that is gone holds none. */
    private void sweep() {
        for (Pool pool : pools.values()) pool.expire();
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        for (Pool pool : pools.values()) pool.closeAll();
    }

    /** One replica's endpoint and idle connections, newest first. Thread-safe. */
    final class Pool {
        final String host;
        final int port;
        final String authority;
        final String basePath;
        final boolean tls;
        private final ConcurrentLinkedDeque<ReplicaConnection> idle = new ConcurrentLinkedDeque<>();
        private final AtomicInteger idleCount = new AtomicInteger();

        Pool(Address replica) {
            URI uri = URI.create(replica.url());
            this.tls = uri.getScheme().equals("https");
            this.host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
            this.port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
            this.authority = uri.getRawAuthority();
            this.basePath = uri.getRawPath() == null ? "" : uri.getRawPath();
        }

        String path(Request request) {
            String path = basePath.isEmpty() ? request.rawPath() : basePath + request.rawPath();
            return request.rawQuery() == null ? path : path + '?' + request.rawQuery();
        }

        /** The newest idle connection that is neither expired nor closed by the replica, if any. */
        ReplicaConnection take() {
            long now = clock.nanoTime();
            for (ReplicaConnection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
                idleCount.decrementAndGet();
                if (now - c.idleSince < MAX_IDLE.toNanos() && !c.stale()) return c;
                c.close();
            }
            return null;
        }

        void give(ReplicaConnection connection) {
            if (closed || idleCount.incrementAndGet() > MAX_IDLE_PER_REPLICA) {
                idleCount.decrementAndGet();
                connection.close();
                return;
            }
            connection.idleSince = clock.nanoTime();
            idle.offerFirst(connection);
            if (closed) closeAll(); // raced with close(): leave nothing open
        }

        void expire() {
            long now = clock.nanoTime();
            // oldest at the end: close from there until a fresh one
            for (ReplicaConnection c = idle.peekLast(); c != null && now - c.idleSince >= MAX_IDLE.toNanos(); c = idle.peekLast()) {
                if (idle.removeLastOccurrence(c)) {
                    idleCount.decrementAndGet();
                    c.close();
                }
            }
        }

        void closeAll() {
            for (ReplicaConnection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
                idleCount.decrementAndGet();
                c.close();
            }
        }
    }
}
