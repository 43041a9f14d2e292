package gateway;

import java.io.IOException;

/**
 * The sockets variant: the default's HttpServer inbound, and {@link SocketUpstream} instead of
 * HttpClient (no futures, no selector hand-off, no per-request reflection). Thread-safe.
 */
public final class SocketsStack implements Stack {

    private final JdkStack jdk = new JdkStack();

    @Override
    public String name() {
        return "sockets";
    }

    @Override
    public Server bind(Config config, InFlight inFlight, Clock clock) throws IOException {
        return jdk.bind(config, inFlight, clock);
    }

    @Override
    public Upstream upstream(Config config, Clock clock) {
        return new SocketUpstream(config.connectTimeout(), clock);
    }
}
