package gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;

/**
 * The default {@link Stack}, the JDK's alone: {@code com.sun.net.httpserver.HttpServer} on virtual
 * threads, with the checks it lacks in front ({@link RequestHead}, {@link HeadWatch}), and
 * {@link HttpClientUpstream}. Thread-safe.
 */
final class JdkStack implements Stack {

    private static final Logger LOG = Log.get(JdkStack.class);

    /** HttpServer's cap on open connections: read once per JVM, when its first server is made. */
    static final String MAX_CONNECTIONS_PROPERTY = "jdk.httpserver.maxConnections";

    /** HttpServer's caps on a request head, in bytes and in distinct field names: read once per JVM, as above. */
    static final String MAX_HEAD_BYTES_PROPERTY = "sun.net.httpserver.maxReqHeaderSize";
    static final String MAX_HEAD_NAMES_PROPERTY = "sun.net.httpserver.maxReqHeaders";

    @Override
    public String name() {
        return "jdk";
    }

    /**
     * Sets this process's HttpServer limits from {@code config}. Client connections are capped at
     * --max-connections: HttpServer closes any connection it accepts beyond them, unanswered. A
     * head is capped at twice --max-header-bytes and twice {@link RequestHead#MAX_FIELDS} names:
     * HttpServer closes the connection of a head over its caps unanswered, while one under them
     * but over the gateway's own limits is answered 414 or 431 (see RequestHead). Takes effect
     * only before the JVM's first HttpServer is made (the JDK reads the settings once), and holds
     * for every gateway in the process; {@link Main} calls it first thing.
     */
    static void limitProcess(Config config) {
        System.setProperty(MAX_CONNECTIONS_PROPERTY, Integer.toString(config.maxConnections()));
        System.setProperty(MAX_HEAD_BYTES_PROPERTY, Integer.toString(2 * config.maxHeaderBytes()));
        System.setProperty(MAX_HEAD_NAMES_PROPERTY, Integer.toString(2 * RequestHead.MAX_FIELDS));
    }

    @Override
    public Stack.Server bind(Config config, InFlight inFlight, Clock clock) throws IOException {
        warnUnlessCapped(config.maxConnections());
        if (!RequestHead.seesHeadsCutShort()) {
            LOG.warning("a request head cut short by the client's hang-up cannot be told from a whole one, and is forwarded:"
                    + " run the jar (its manifest opens it) or add --add-opens " + RequestHead.OPENS + "=ALL-UNNAMED");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 0);
        ExecutorService requests = Threads.requests(config.executor());
        HeadWatch heads = new HeadWatch(inFlight.over(requests), config.headerTimeout(), clock);
        server.setExecutor(heads); // without an executor, HttpServer serves every request on one thread
        return new Server(server, requests, heads, inFlight, config.maxHeaderBytes());
    }

    @Override
    public Upstream upstream(Config config, Clock clock) {
        return switch (config.upstream()) {
            case HTTPCLIENT -> new HttpClientUpstream(config.connectTimeout());
            case SOCKETS -> new SocketUpstream(config.connectTimeout(), clock);
        };
    }

    private static void warnUnlessCapped(int max) {
        Integer inForce = Integer.getInteger(MAX_CONNECTIONS_PROPERTY);
        if (inForce != null && inForce == max) return;
        LOG.warning("--max-connections " + max + " is not in force: this JVM caps connections at "
                + (inForce == null || inForce <= 0 ? "none" : inForce) + " (" + MAX_CONNECTIONS_PROPERTY
                + ", read once per process before its first server)");
    }

    private record Server(HttpServer server, ExecutorService requests, HeadWatch heads, InFlight inFlight,
                          int maxHeaderBytes) implements Stack.Server {

        @Override
        public int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void start(Router router) {
            server.createContext("/", exchange -> router.handle(new JdkExchange(exchange)))
                    .getFilters().add(new RequestHead(heads, maxHeaderBytes));
            server.start();
        }

        @Override
        public void stop(Duration grace) {
            if (grace.isPositive()) {
                // HttpServer.stop closes the listener at once, then waits up to its delay for the
                // exchanges it counts; one whose answer broke off never leaves that count (see Router),
                // so its wait would last the whole grace. It waits aside; the wait that counts is ours.
                Thread stopping = Threads.virtual("stop").newThread(() -> server.stop(seconds(grace)));
                stopping.start();
                inFlight.awaitNone(grace);
                server.stop(0); // ends the wait above
                try {
                    stopping.join(Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                server.stop(0);
            }
            heads.close();
            requests.shutdownNow();
        }

        private static int seconds(Duration grace) {
            return (int) Math.min(Integer.MAX_VALUE, (grace.toMillis() + 999) / 1000);
        }
    }
}
