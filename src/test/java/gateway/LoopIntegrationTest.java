package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests that come back to the gateway they passed: a gateway registered as its own replica,
 * two gateways pointing at each other, a chain of too many proxies.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class LoopIntegrationTest {

    /** The upstream client this test's gateways use; a *SocketsTest subclass runs the same tests on the other. */
    String upstream() {
        return "httpclient";
    }

    /** Far above a 508's round trip; the loop it guards against used to run for minutes. */
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);

    final List<AutoCloseable> closing = new ArrayList<>();

    Gateway start(String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--upstream", upstream()));
        args.addAll(List.of(flags));
        Gateway gateway = Gateway.start(Config.parse(args, Map.of()));
        closing.add(gateway);
        return gateway;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    static HttpResponse<String> get(Client client, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(client.base.resolve(path)).timeout(CLIENT_TIMEOUT);
        if (headers.length > 0) request.headers(headers);
        return client.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertLoopDetected(HttpResponse<String> response) throws Exception {
        assertEquals(508, response.statusCode(), response.body());
        assertTrue(ApiIntegrationTest.json(response).get("error").asText().contains("loop"), response.body());
    }

    @Test
    void aGatewayThatIsItsOwnReplicaAnswers508InsteadOfRecursing() throws Exception {
        Gateway gateway = start();
        Client client = new Client(gateway.uri());
        // /register refuses this address (see below); a shared store or a DNS name can still bring it in
        gateway.registry().register(new Registration("loop", Address.parse("http://127.0.0.1:" + gateway.port() + "/loop")));

        assertLoopDetected(get(client, "/loop/x"));
        assertEquals(200, get(client, "/health").statusCode());
        assertEquals("{\"services\":[{\"name\":\"loop\",\"replicas\":[{\"address\":\"http://127.0.0.1:" + gateway.port()
                + "/loop\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}", get(client, "/services").body(), "a 508 is an answer, not a failure");
    }

    @Test
    void twoGatewaysPointingAtEachOtherAnswer508AndStayHealthy() throws Exception {
        Gateway a = start();
        Gateway b = start();
        Client toA = new Client(a.uri());
        Client toB = new Client(b.uri());
        assertEquals(201, toA.register("ping", b.uri() + "/ping").statusCode());
        assertEquals(201, toB.register("ping", a.uri() + "/ping").statusCode());

        assertLoopDetected(get(toA, "/ping/x"));
        assertLoopDetected(get(toB, "/ping/x"));
        for (Client c : List.of(toA, toB)) {
            assertEquals(200, get(c, "/health").statusCode());
            assertTrue(get(c, "/services").body().contains("\"failures\":0"), "no eviction, nothing counted");
        }
        assertEquals(1, a.registry().snapshot().get("ping").size());
        assertEquals(1, b.registry().snapshot().get("ping").size());
    }

    @Test
    void aRequestThatPassedTooManyProxiesGets508AndOneWithinTheLimitCarriesOurVia() throws Exception {
        Gateway gateway = start("--gateway-id", "gw-test");
        Backend replica = Backend.named("one");
        closing.add(replica);
        Client client = new Client(gateway.uri());
        client.register("svc", replica.address());
        List<String> hops = new ArrayList<>();
        for (int i = 0; i < ForwardHeaders.MAX_VIA_HOPS; i++) hops.add("1.1 proxy-" + i);

        var within = get(client, "/svc/", "Via", String.join(", ", hops));
        assertEquals(200, within.statusCode(), within.body());
        assertEquals(String.join(", ", hops) + ", 1.1 gw-test", replica.seen.get(0).headers().getFirst("Via"));

        hops.add("1.0 one-too-many");
        assertLoopDetected(get(client, "/svc/", "Via", String.join(", ", hops)));
        assertLoopDetected(get(client, "/svc/", "Via", "1.1 elsewhere, 1.1 gw-test (our own id: it was here)"));
        assertEquals(1, replica.hits.get(), "neither looping request reached the replica");
    }

    @Test
    void registeringTheGatewaysOwnAddressIsRefused() throws Exception {
        Gateway gateway = start();
        Client client = new Client(gateway.uri());
        int port = gateway.port();
        List<String> own = new ArrayList<>(List.of("127.0.0.1:" + port, "http://localhost:" + port + "/loop",
                "http://[::1]:" + port, "http://0.0.0.0:" + port, "127.0.0.2:" + port, "http://gw.localhost:" + port));
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            nic.inetAddresses().filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).findFirst()
                    .ifPresent(a -> own.add(a.getHostAddress() + ":" + port));
        }
        for (String address : own) {
            var response = client.register("loop", address);
            assertEquals(400, response.statusCode(), address + ": " + response.body());
            assertTrue(ApiIntegrationTest.json(response).get("error").asText().contains("the gateway itself"), response.body());
        }
        assertEquals("{\"services\":[],\"store\":\"UP\"}", client.get("/services").body());
        assertEquals(201, client.register("other", "127.0.0.1:" + (port == 65_535 ? port - 1 : port + 1)).statusCode(),
                "another port on the same host is another server");
        // The same port elsewhere is another server too: an address of no interface here
        // (TEST-NET-1, RFC 5737), and a host name, which is not looked up.
        assertEquals(201, client.register("other", "192.0.2.1:" + port).statusCode());
        assertEquals(201, client.register("other", "http://replica.example:" + port).statusCode());
    }
}
