package gateway;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every connection Helidon accepts, from its accept to its end, for the two limits Helidon lacks.
 * As the listener's one connection selector, it is handed each socket as soon as it is accepted,
 * before a byte is read (Helidon asks a lone selector without peeking). A connection beyond
 * --max-connections is closed unanswered, as HttpServer does (Helidon's own cap leaves the extra
 * ones waiting in the backlog). A connection whose request head has not arrived within
 * --header-timeout-ms of its opening or of its last answer is cut off (Helidon has no head
 * timeout); Helidon cannot tell a head's first byte, so an idle keep-alive connection closes after
 * the same time, as on Vert.x. A body is not the head's: BodyWatch bounds it. Helidon runs each
 * connection's requests on the connection's own thread, so the handler finds its connection by
 * thread. Thread-safe.
 */
final class HelidonConnections implements ServerConnectionSelector, AutoCloseable {

    private final ServerConnectionSelector http1;
    private final int maxConnections;
    private final Duration limit;
    private final Clock clock;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<Thread, Watched> byThread = new ConcurrentHashMap<>();
    private final Supervisor ticker;

    HelidonConnections(ServerConnectionSelector http1, int maxConnections, Duration headerTimeout, Clock clock) {
        this.http1 = http1;
        this.maxConnections = maxConnections;
        this.limit = headerTimeout;
        this.clock = clock;
        this.ticker = HeadWatch.ticker(headerTimeout, clock, this::cutLate);
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData request) {
        return Support.SUPPORTED; // asked only beside other selectors; this is the listener's only one
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    /** On the accepted connection's own thread, before any byte of it is read. */
    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return Refused.INSTANCE; // Helidon closes the socket as soon as handle returns
        }
        Watched watched = new Watched(clock.nanoTime());
        watched.helidon = http1.connection(new EndSeen(ctx, watched));
        return watched;
    }

    /**
     * Whether the client of the connection on this thread has ended its side: Helidon names a head
     * cut short by that end an internal error, like a head it failed to parse (see HelidonRefusals).
     */
    boolean inputEnded() {
        Watched connection = byThread.get(Thread.currentThread());
        return connection != null && connection.inputEnded;
    }

    /**
     * Called on a connection's thread when a request head has reached the handler: from now on the
     * request's time is not the head's. Throws {@link CloseConnectionException} when the head came
     * after the header timeout and its connection has been cut off.
     */
    void headArrived() {
        Watched connection = byThread.get(Thread.currentThread());
        if (connection != null) connection.arrived();
    }

    /** Called on a connection's thread once its answer has gone out: the next head is awaited from now on. */
    void answered() {
        Watched connection = byThread.get(Thread.currentThread());
        if (connection != null) connection.awaitHead(clock.nanoTime());
    }

    private void cutLate(long now) {
        for (Watched connection : byThread.values()) connection.cutIfLate(now, limit.toNanos());
    }

    @Override
    public void close() {
        ticker.close();
    }

    /**
     * Helidon's context for one connection, but that its bytes come through a reader that notes
     * the client's end of input for {@link #inputEnded} (Helidon's own reader keeps no such note).
     * It reads the socket as Helidon's does, each piece as the socket gives it, without a copy.
     */
    private record EndSeen(ConnectionContext helidon, DataReader reader) implements ConnectionContext {

        EndSeen(ConnectionContext helidon, Watched connection) {
            this(helidon, DataReader.create(() -> {
                DataReader buffered = helidon.dataReader(); // holds nothing when Helidon picks its selector without a peek
                if (buffered.available() > 0) return buffered.readBytes(buffered.available());
                byte[] bytes;
                try {
                    bytes = helidon.serverSocket().get(); // each piece as the socket gives it: no copy
                } catch (UncheckedIOException e) {
                    throw new ServerConnectionException("Failed to get data from socket", e); // as Helidon's own reader
                }
                if (bytes == null) connection.inputEnded = true; // this reader then throws InsufficientDataAvailable
                return bytes;
            }));
        }

        @Override
        public DataReader dataReader() {
            return reader;
        }

        @Override
        public ListenerContext listenerContext() {
            return helidon.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return helidon.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return helidon.dataWriter();
        }

        @Override
        public Router router() {
            return helidon.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return helidon.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return helidon.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return helidon.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return helidon.localPeer();
        }

        @Override
        public boolean isSecure() {
            return helidon.isSecure();
        }

        @Override
        public String socketId() {
            return helidon.socketId();
        }

        @Override
        public String childSocketId() {
            return helidon.childSocketId();
        }
    }

    /** A connection that is closed unanswered: it was one too many. */
    private enum Refused implements ServerConnection {
        INSTANCE;

        @Override
        public void handle(Limit limit) {}

        @Override
        public Duration idleTime() {
            return Duration.ZERO;
        }

        @Override
        public void close(boolean interrupt) {}
    }

    /**
     * Helidon's connection, with where it is: awaiting a head since some time, serving a request,
     * or cut off. Each wait for a head is a new object, so the watch's compare-and-set cannot
     * mistake a later wait for the one it judged late. Thread-safe.
     */
    private final class Watched implements ServerConnection {

        private record Waiting(long since) {}
        private static final Object SERVING = new Object();
        private static final Object CUT = new Object();

        private final AtomicReference<Object> phase;
        /** Set once, before Helidon runs it. */
        private ServerConnection helidon;
        /** Set on the connection's own thread, read there. */
        private boolean inputEnded;

        Watched(long since) {
            this.phase = new AtomicReference<>(new Waiting(since));
        }

        @Override
        public void handle(Limit requests) throws InterruptedException {
            Thread thread = Thread.currentThread();
            byThread.put(thread, this);
            try {
                helidon.handle(requests);
            } finally {
                byThread.remove(thread, this);
                open.decrementAndGet();
            }
        }

        void arrived() {
            Object now = phase.get();
            if (now == CUT || !phase.compareAndSet(now, SERVING)) {
                throw new CloseConnectionException("the request head came after the header timeout");
            }
        }

        void awaitHead(long since) {
            Object now = phase.get();
            if (now == SERVING) phase.compareAndSet(now, new Waiting(since));
        }

        void cutIfLate(long now, long limitNanos) {
            if (phase.get() instanceof Waiting waiting && now - waiting.since() >= limitNanos
                    && phase.compareAndSet(waiting, CUT)) {
                helidon.close(true); // interrupts the connection's thread: its blocked read ends by closing the socket
            }
        }

        @Override
        public Duration idleTime() {
            return helidon.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            helidon.close(interrupt);
        }
    }
}
