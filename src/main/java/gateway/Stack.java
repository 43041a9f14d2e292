package gateway;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The two HTTP edges a gateway runs on: the server that reads client requests into
 * {@link Exchange}s for the {@link Router}, and the {@link Upstream} that carries attempts to
 * replicas. Everything between them (routing, retries, breaker, registry, stores, the API) is the
 * same code on every stack. The default is {@link JdkStack} (HttpServer and HttpClient, the
 * gateway's own jar); each variant jar under benchmarks/variants/ carries one more, found through
 * {@link ServiceLoader}, and a gateway runs on it. Implementations are thread-safe.
 */
interface Stack {

    /** A short name for logs and reports: "jdk", "sockets", "helidon", "vertx". */
    String name();

    /**
     * Listens on the configured address; requests are answered once {@link Server#start} is called.
     * Each request is handed to the router on a virtual thread of its own, counted in
     * {@code inFlight} from when the server takes it until it is answered; an exception that escapes
     * {@link Router#handle} drops the connection.
     *
     * @throws IOException the address cannot be listened on
     */
    Server bind(Config config, InFlight inFlight, Clock clock) throws IOException;

    /** The client that sends attempts to replicas. */
    Upstream upstream(Config config, Clock clock);

    /** One listening server. Thread-safe. */
    interface Server {

        /** The port it listens on (the one chosen, when the config asked for 0). */
        int port();

        /** From now on, requests go to {@code router}. */
        void start(Router router);

        /**
         * Stops accepting connections, lets requests in flight finish for up to {@code grace}, then
         * closes every connection. Returns once it has.
         */
        void stop(Duration grace);
    }

    /** The one stack on the class path besides the JDK's, or the JDK's when there is none. */
    static Stack load() {
        List<Stack> found = ServiceLoader.load(Stack.class).stream().map(ServiceLoader.Provider::get).toList();
        if (found.size() > 1) {
            throw new IllegalStateException("more than one HTTP stack on the class path: "
                    + found.stream().map(Stack::name).toList());
        }
        return found.isEmpty() ? new JdkStack() : found.get(0);
    }
}
