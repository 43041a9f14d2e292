package gateway;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * What a test of one in-process gateway needs: a gateway on a free loopback port started with the
 * given flags, a client for it, and everything the test opened closed after it, newest first.
 */
abstract class GatewayTest {

    final List<AutoCloseable> closing = new ArrayList<>();
    Gateway gateway;
    Client client;

    /** The upstream client this test's gateways use; a *SocketsTest subclass runs the same tests on the other. */
    String upstream() {
        return "httpclient";
    }

    void startGateway(String... flags) throws IOException {
        startGateway(Clock.SYSTEM, flags);
    }

    /** A gateway that takes every timing decision on {@code clock}. */
    void startGateway(Clock clock, String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--upstream", upstream()));
        args.addAll(List.of(flags));
        Config config = Config.parse(args, Map.of());
        gateway = Gateway.start(config, Gateway.openStore(config), clock);
        closing.add(gateway);
        client = new Client(gateway.uri());
    }

    <T extends AutoCloseable> T closeLater(T resource) {
        closing.add(resource);
        return resource;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }
}
