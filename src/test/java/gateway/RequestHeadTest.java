package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request heads as hostile clients send them, over raw sockets: too slow, cut short, too large,
 * of another HTTP version. None reaches a replica; each gets a status where the JDK's server
 * leaves the gateway one, and the gateway goes on answering others.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class RequestHeadTest extends GatewayTest {

    Backend replica;

    void startWithReplica(Clock clock, String... flags) throws Exception {
        startGateway(clock, flags);
        replica = closeLater(Backend.named("svc"));
        assertEquals(201, client.register("svc", replica.address()).statusCode());
    }

    Socket connect(URI uri) throws IOException {
        Socket socket = closeLater(new Socket(uri.getHost(), uri.getPort()));
        socket.setSoTimeout(10_000);
        return socket;
    }

    static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Whether the gateway has closed this connection; false while it is still open and silent. */
    static boolean closedByGateway(Socket socket) {
        try {
            socket.setSoTimeout(20);
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** The answer to one whole request sent on a new connection; "" when the connection is closed unanswered. */
    String exchange(URI uri, String request) throws IOException {
        Socket socket = connect(uri);
        try {
            write(socket, request);
        } catch (IOException e) {
            return ""; // already reset by the gateway
        }
        return ClientBodyTest.response(socket);
    }

    static void assertStatus(int status, String response) {
        assertTrue(response.startsWith("HTTP/1.1 " + status + " "), response);
    }

    static void assertJsonStatus(int status, String response) {
        assertStatus(status, response);
        assertTrue(response.contains("{\"error\":"), "a JSON reason: " + response);
    }

    // --- slow heads

    @Test
    void aHeadStillArrivingAfterTheHeaderTimeoutIsCutOffWhileOtherRequestsAreAnswered() throws Exception {
        TestClock clock = new TestClock();
        startWithReplica(clock);
        Socket slow = connect(gateway.uri());
        write(slow, "GET /svc/x HTTP/1.1\r\nHost: gw\r\nX-Slow: a"); // and never the rest
        assertEquals(200, client.get("/health").statusCode(), "others are answered meanwhile");
        // each round moves the clock a whole header timeout on, whenever the head's clock started
        Await.until(Duration.ofSeconds(10), "the stalled head is cut off", () -> {
            clock.advance(Duration.ofMillis(Config.DEFAULT_HEADER_TIMEOUT_MS));
            return closedByGateway(slow);
        });
        assertEquals(200, client.get("/health").statusCode(), "and afterwards");
        assertEquals(List.of(), replica.seen);
    }

    @Test
    void anUploadSlowerThanTheHeaderTimeoutIsNotCutByIt() throws Exception {
        TestClock clock = new TestClock();
        startWithReplica(clock, "--header-timeout-ms", "100");
        Socket upload = connect(gateway.uri());
        write(upload, "POST /svc/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 6\r\n\r\nabc");
        Await.until(Duration.ofSeconds(10), "the upload's head is read and its body awaited", () -> gateway.bodyWatch().watching() == 1);
        Socket stalled = connect(gateway.uri());
        write(stalled, "GET /svc/x HTTP/1.1\r\nHost: gw\r\nX-Slow: a"); // a head that never ends, as a witness
        // five header timeouts pass, well within the client timeout; the stalled head being cut
        // shows that the watch has looked at the upload after the clock moved
        Await.until(Duration.ofSeconds(10), "the stalled head is cut off", () -> {
            clock.advance(Duration.ofMillis(500));
            return closedByGateway(stalled);
        });
        write(upload, "def");
        assertStatus(200, ClientBodyTest.response(upload));
        assertEquals("abcdef", new String(replica.seen.get(0).body(), StandardCharsets.UTF_8));
    }

    // --- heads cut short

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "DELETE /svc/x HTTP/1.1\r\nHost: gw\r\n",
            "DELETE /svc/x HTTP/1.1\r\nHost: gw",
            "DELETE /svc/x HTTP/1.1\r\nHost: gw\r\n\r",
            "GET /svc/x HTTP/1.1\r\n",
            "POST /svc/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n"})
    void aHeadCutShortByTheClientsHangUpIsNeverForwarded(String partial) throws Exception {
        startWithReplica(Clock.SYSTEM);
        Socket socket = connect(gateway.uri());
        write(socket, partial);
        socket.shutdownOutput(); // the client is done: no empty line will ever come
        assertEquals("", ClientBodyTest.response(socket), "closed unanswered");
        assertEquals(200, client.get("/health").statusCode());
        assertEquals(List.of(), replica.seen);
    }

    @Test
    void aWholeHeadFollowedByAHangUpIsStillAnswered() throws Exception {
        startWithReplica(Clock.SYSTEM);
        Socket socket = connect(gateway.uri());
        write(socket, "DELETE /svc/x HTTP/1.1\r\nHost: gw\r\n\r\n");
        socket.shutdownOutput();
        assertStatus(200, ClientBodyTest.response(socket));
        assertEquals("DELETE", replica.seen.get(0).method());
    }

    // --- sizes

    @Test
    void aRequestLineOverTheHeaderLimitIs414() throws Exception {
        startWithReplica(Clock.SYSTEM);
        String target = "/svc/" + "a".repeat(Config.DEFAULT_MAX_HEADER_BYTES);
        assertJsonStatus(414, exchange(gateway.uri(), "GET " + target + " HTTP/1.1\r\nHost: gw\r\n\r\n"));
        assertEquals(List.of(), replica.seen);
        assertStatus(200, exchange(gateway.uri(), "GET /svc/" + "a".repeat(1000) + " HTTP/1.1\r\nHost: gw\r\n\r\n"));
    }

    @Test
    void headersOverTheLimitInBytesOrInNumberAre431() throws Exception {
        startWithReplica(Clock.SYSTEM);
        String big = "X-Big: " + "b".repeat(Config.DEFAULT_MAX_HEADER_BYTES) + "\r\n";
        assertJsonStatus(431, exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: gw\r\n" + big + "\r\n"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= RequestHead.MAX_FIELDS; i++) many.append("X-H").append(i).append(": v\r\n");
        assertJsonStatus(431, exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: gw\r\n" + many + "\r\n"));
        StringBuilder repeated = new StringBuilder();
        for (int i = 0; i <= RequestHead.MAX_FIELDS; i++) repeated.append("X-Same: v\r\n");
        assertJsonStatus(431, exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: gw\r\n" + repeated + "\r\n"));
        assertEquals(List.of(), replica.seen);
    }

    /** The JDK's own limits are set by Main, once per process: twice the gateway's, past which it closes the connection unanswered. */
    @Test
    @Tag("httpserver") // HttpServer's caps, as Main sets them; the other stacks answer some of these heads
    void headsUpToTwiceTheLimitAreAnsweredAndLargerOnesClosedByTheJdk() throws Exception {
        try (Launched gw = Launched.start(null, Map.of(), "--bind", "127.0.0.1", "--port", "0", "--max-header-bytes", "2000")) {
            URI uri = gw.awaitListening();
            assertJsonStatus(414, exchange(uri, "GET /svc/" + "a".repeat(3000) + " HTTP/1.1\r\nHost: gw\r\n\r\n"));
            assertEquals("", exchange(uri, "GET /svc/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: gw\r\n\r\n"));
            StringBuilder many = new StringBuilder();
            for (int i = 0; i <= 2 * RequestHead.MAX_FIELDS; i++) many.append("X-H").append(i).append(": v\r\n");
            assertEquals("", exchange(uri, "GET /health HTTP/1.1\r\nHost: gw\r\n" + many + "\r\n"));
            assertStatus(200, exchange(uri, "GET /health HTTP/1.1\r\nHost: gw\r\n\r\n"));
        }
    }

    /** The promise beside the JDK's caps, on every stack: however a stack caps a head, one past twice the limit never reaches a replica. */
    @Test
    void aHeadOverTwiceTheLimitIsRefusedOrClosedAndNeverForwarded() throws Exception {
        startWithReplica(Clock.SYSTEM, "--max-header-bytes", "2000");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= 2 * RequestHead.MAX_FIELDS; i++) many.append("X-H").append(i).append(": v\r\n");
        for (String head : List.of("GET /svc/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: gw\r\n\r\n",
                "GET /svc/x HTTP/1.1\r\nHost: gw\r\nX-Big: " + "b".repeat(5000) + "\r\n\r\n",
                "GET /svc/x HTTP/1.1\r\nHost: gw\r\n" + many + "\r\n")) {
            String response = exchange(gateway.uri(), head);
            assertTrue(response.isEmpty() || response.matches("(?s)HTTP/1\\.1 4\\d\\d .*"), "closed unanswered or refused: " + response);
        }
        assertEquals(List.of(), replica.seen);
        assertStatus(200, exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: gw\r\n\r\n"));
    }

    @Test
    void aRefusedHeadIsAnsweredWithoutWaitingForItsBody() throws Exception {
        startWithReplica(Clock.SYSTEM);
        Socket socket = connect(gateway.uri());
        write(socket, "POST /svc/x HTTP/9.9\r\nHost: gw\r\nContent-Length: 1000\r\n\r\n"); // and no body
        assertJsonStatus(505, ClientBodyTest.response(socket));
        assertEquals(-1, socket.getInputStream().read(), "closed; a SocketTimeoutException means it waits for the body");
    }

    @Test
    void aRouterRefusalOfARequestWhoseBodyNeverComesClosesTheConnectionInsteadOfWaitingForIt() throws Exception {
        startWithReplica(Clock.SYSTEM);
        for (String head : List.of("POST /nosuch/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\n\r\n", // 503
                "POST /bad%2Fname/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n", // 404
                "PUT /services HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\n")) { // 405
            Socket socket = connect(gateway.uri());
            write(socket, head); // and no body: the refusal is known before it
            String response = ClientBodyTest.response(socket);
            assertTrue(response.startsWith("HTTP/1.1 4") || response.startsWith("HTTP/1.1 5"), response);
            assertTrue(response.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), response);
            assertEquals(-1, socket.getInputStream().read(), head + ": closed; a SocketTimeoutException means it waits for the body");
        }
        assertEquals(List.of(), replica.seen);
    }

    // --- versions and Host

    @Test
    void anHttpVersionOtherThanOneIs505AndAMalformedOneIs400() throws Exception {
        startWithReplica(Clock.SYSTEM);
        assertJsonStatus(505, exchange(gateway.uri(), "GET /svc/x HTTP/9.9\r\nHost: gw\r\n\r\n"));
        assertJsonStatus(505, exchange(gateway.uri(), "GET /svc/x HTTP/2.0\r\nHost: gw\r\n\r\n"));
        assertJsonStatus(400, exchange(gateway.uri(), "GET /svc/x http/1.1\r\nHost: gw\r\n\r\n"));
        assertJsonStatus(400, exchange(gateway.uri(), "GET /svc/x HTTP/1.1x\r\nHost: gw\r\n\r\n"));
        assertJsonStatus(400, exchange(gateway.uri(), "GET /svc/x HTTP/1.1 extra\r\nHost: gw\r\n\r\n"));
        assertEquals(List.of(), replica.seen);
    }

    @Test
    @Tag("http10") // a server that reads HTTP/1.0 request lines: not Helidon's (see the pin below)
    void anHttp10RequestAndAHigherMinorVersionAreServed() throws Exception {
        startWithReplica(Clock.SYSTEM);
        String http10 = exchange(gateway.uri(), "GET /svc/x HTTP/1.0\r\n\r\n");
        assertTrue(http10.matches("(?s)HTTP/1\\.[01] 200 .*"), http10); // HttpServer answers HTTP/1.1, Vert.x the request's own version
        assertStatus(200, exchange(gateway.uri(), "GET /svc/x HTTP/1.2\r\nHost: gw\r\n\r\n")); // RFC 9110 §6.2: served as 1.1
        assertEquals(2, replica.seen.size());
    }

    /**
     * A Helidon limit, pinned: its WebServer (4.5) reads HTTP/1.1 request lines alone, before any
     * handler or connection selector can see the line, and refuses 1.0 (and 1.2) itself; the
     * gateway answers that refusal 505 in JSON (HelidonRefusals) instead of serving it.
     */
    @Test
    @Tag("helidonserver")
    void helidonRefusesHttp10AndHigherMinorVersionsWith505() throws Exception {
        startWithReplica(Clock.SYSTEM);
        assertJsonStatus(505, exchange(gateway.uri(), "GET /svc/x HTTP/1.0\r\n\r\n"));
        assertJsonStatus(505, exchange(gateway.uri(), "GET /svc/x HTTP/1.2\r\nHost: gw\r\n\r\n"));
        assertEquals(List.of(), replica.seen);
    }

    @Test
    void anHttp11RequestWithoutExactlyOneHostIs400() throws Exception {
        startWithReplica(Clock.SYSTEM);
        assertJsonStatus(400, exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\n\r\n"));
        assertJsonStatus(400, exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
        assertEquals(List.of(), replica.seen);
    }

    /**
     * RFC 9112 §3.2: a Host that is not a host and optional port is a 400, not a value to forward
     * (it reaches a replica as X-Forwarded-Host, where links and redirects are built from it).
     * Forwarded before on every stack but Helidon.
     */
    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"a b", "a/b", "user@a", "a:b:c", "a:80x", "[::1", "a\\b", "a?b", "a#b", "\"a\""})
    void aHostThatIsNotAHostAndPortIs400(String host) throws Exception {
        startWithReplica(Clock.SYSTEM);
        assertJsonStatus(400, exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
        assertEquals(List.of(), replica.seen);
    }

    /** Helidon also refuses two valid but rare ones, an IPv6 zone ("[fe80::1%25eth0]") and an empty port ("gw:"), so they are not here. */
    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"gw", "gw:8080", "127.0.0.1:1", "[::1]:80", "xn--bcher-kva.example", "a_b.example", "a-b.example:443"})
    void anyHostAndPortIsServed(String host) throws Exception {
        startWithReplica(Clock.SYSTEM);
        String response = exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertEquals(host, replica.seen.getFirst().headers().getFirst("X-Forwarded-Host"));
    }

    // --- bodies the JDK cannot read

    @Test
    void aChunkedBodyWithATrailerIsAnswered400InsteadOfDropped() throws Exception {
        startWithReplica(Clock.SYSTEM);
        String response = exchange(gateway.uri(), "POST /svc/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n");
        assertJsonStatus(400, response);
        assertTrue(response.contains("Connection: close"), response);
        assertEquals(List.of(), replica.seen);
    }

    /** RFC 9112 §7.1.1: a recipient ignores chunk extensions it does not know; the data is forwarded, the extensions are not. */
    @Test
    @Tag("chunkext") // a server that reads chunk extensions: not Helidon's (see the pin below)
    void chunkExtensionsAreIgnoredAndTheDataForwarded() throws Exception {
        startWithReplica(Clock.SYSTEM);
        String response = exchange(gateway.uri(), "POST /svc/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;ext=1\r\nabc\r\n3;a=\"q\";b\r\ndef\r\n0\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertEquals("abcdef", new String(replica.seen.getFirst().body(), StandardCharsets.UTF_8));
    }

    /** Helidon 4.5 reads a chunk's size line as hex alone: a chunk extension is a JSON 400 there, and nothing is forwarded. */
    @Test
    @Tag("helidonserver")
    void helidonRefusesChunkExtensionsWith400() throws Exception {
        startWithReplica(Clock.SYSTEM);
        assertJsonStatus(400, exchange(gateway.uri(), "POST /svc/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;ext=1\r\nabc\r\n0\r\n\r\n"));
        assertEquals(List.of(), replica.seen);
    }

    /** The promise beside the JDK's 100, on every stack: a refused request that expects 100-continue gets its refusal, never its body forwarded. */
    @Test
    void aRefusedRequestThatExpectsContinueIsRefusedWithOrWithoutAHundredFirst() throws Exception {
        startWithReplica(Clock.SYSTEM);
        Socket socket = connect(gateway.uri());
        write(socket, "POST /nosuch/x HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        String response = ClientBodyTest.response(socket);
        if (response.startsWith("HTTP/1.1 100 ")) {
            write(socket, "hello");
            response = ClientBodyTest.response(socket);
        }
        assertJsonStatus(503, response);
        assertEquals(List.of(), replica.seen);
    }

    /**
     * A JDK limit, pinned: HttpServer answers {@code Expect: 100-continue} itself before any
     * handler or filter runs, so a refused request still gets its 100 first.
     */
    @Test
    @Tag("httpserver") // HttpServer's own 100; other stacks may refuse without one
    void expectContinueGetsTheJdksHundredBeforeTheRefusal() throws Exception {
        startWithReplica(Clock.SYSTEM);
        Socket socket = connect(gateway.uri());
        write(socket, "POST /nosuch/x HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        assertStatus(100, ClientBodyTest.response(socket));
        write(socket, "hello");
        assertJsonStatus(503, ClientBodyTest.response(socket));
    }
}
