package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request without a body goes upstream without one: no {@code Content-Length: 0} (RFC 9110
 * §8.6), while a body the client declared, even an empty one, keeps its length.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class BodilessRequestTest {

    /** The upstream client this test's gateways use; a *SocketsTest subclass runs the same tests on the other. */
    String upstream() {
        return "httpclient";
    }

    Gateway gateway;
    Backend replica;
    Client client;

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--upstream", upstream()), Map.of()));
        replica = Backend.named("one");
        client = new Client(gateway.uri());
        assertEquals(201, client.register("svc", replica.address()).statusCode());
    }

    @AfterEach
    void stop() {
        gateway.close();
        replica.close();
    }

    private String upstreamLength(int request) {
        Backend.Seen seen = replica.seen.get(request);
        return seen.method() + " " + seen.headers().getFirst("Content-Length") + " " + seen.headers().getFirst("Transfer-Encoding");
    }

    @Test
    void aRequestWithoutABodyGoesUpstreamWithoutContentLength() throws Exception {
        // java.net.http sends no Content-Length for GET(), HEAD() and DELETE(): the gateway sees no body
        for (HttpRequest.Builder b : List.of(HttpRequest.newBuilder().GET(), HttpRequest.newBuilder().HEAD(),
                HttpRequest.newBuilder().DELETE())) {
            var response = client.http.send(b.uri(gateway.uri().resolve("/svc/x")).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(200, response.statusCode());
        }
        for (String method : List.of("OPTIONS", "TRACE", "PURGE")) {
            String raw = RawHttp.exchange(gateway.uri(), method + " /svc/x HTTP/1.1\r\nHost: gw");
            assertTrue(raw.startsWith("HTTP/1.1 200 "), raw);
        }
        assertEquals(List.of("GET null null", "HEAD null null", "DELETE null null", "OPTIONS null null", "TRACE null null",
                "PURGE null null"), List.of(upstreamLength(0), upstreamLength(1), upstreamLength(2), upstreamLength(3),
                upstreamLength(4), upstreamLength(5)));
    }

    @Test
    void aDeclaredEmptyBodyKeepsItsContentLength() throws Exception {
        String raw = RawHttp.exchange(gateway.uri(), "POST /svc/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 0");
        assertTrue(raw.startsWith("HTTP/1.1 200 "), raw);
        raw = RawHttp.exchange(gateway.uri(), "DELETE /svc/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 0");
        assertTrue(raw.startsWith("HTTP/1.1 200 "), raw);
        assertEquals("POST 0 null", upstreamLength(0));
        assertEquals("DELETE 0 null", upstreamLength(1));
    }

    @Test
    void anyOtherMethodKeepsEverythingTheBuilderWasToldButTheBody() {
        for (boolean expectContinue : List.of(true, false)) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://h:1/x?q=1"))
                    .timeout(Duration.ofMillis(1234)).expectContinue(expectContinue)
                    .version(HttpClient.Version.HTTP_1_1).header("X-A", "1");
            HttpRequest request = BodilessRequest.of(builder, "PURGE");
            assertEquals("PURGE", request.method());
            assertEquals(Optional.empty(), request.bodyPublisher());
            assertEquals(Optional.of(Duration.ofMillis(1234)), request.timeout(), "the attempt's deadline");
            assertEquals(expectContinue, request.expectContinue());
            assertEquals(Optional.of(HttpClient.Version.HTTP_1_1), request.version());
            assertEquals(URI.create("http://h:1/x?q=1"), request.uri());
            assertEquals(List.of("1"), request.headers().allValues("X-A"));
        }
        for (String method : List.of("GET", "HEAD", "DELETE")) {
            HttpRequest own = BodilessRequest.of(HttpRequest.newBuilder(URI.create("http://h:1/")), method);
            assertFalse(own instanceof BodilessRequest, "the builder's own request for " + method);
            assertEquals(method, own.method());
        }
    }
}
