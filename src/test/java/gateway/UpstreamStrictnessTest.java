package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gateway.UpstreamConnectionTest.CountingReplica;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the gateway relays when a replica breaks HTTP/1.1: each replica here is a raw socket that
 * writes exact bytes, and each client a raw socket that reads exactly what the gateway wrote.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class UpstreamStrictnessTest extends GatewayTest {

    static final String ID = "gw-strict";

    /** The replica that {@link #through} made. */
    CountingReplica replica;

    /** A replica of "svc" that answers every request with {@code answer}. */
    CountingReplica replica(String answer) throws IOException {
        CountingReplica replica = closeLater(new CountingReplica(answer.getBytes(StandardCharsets.ISO_8859_1)));
        try {
            assertEquals(201, client.register("svc", replica.address()).statusCode());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return replica;
    }

    /** The gateway's answer, head and body, as the client's socket received it. */
    String get(String method) throws IOException {
        return RawHttp.exchange(gateway.uri(), method + " /svc/x HTTP/1.1\r\nHost: gw\r\nConnection: close");
    }

    /** The gateway's answer to a GET relaying {@code answer} from the only replica. */
    String through(String answer) throws IOException {
        startGateway("--gateway-id", ID, "--failure-threshold", "100", "--request-timeout-ms", "3000");
        replica = replica(answer);
        return get("GET");
    }

    static void assertMalformed(String response) {
        assertTrue(response.startsWith("HTTP/1.1 502 "), response);
        assertTrue(response.contains("\"outcome\":\"BAD_RESPONSE\""), response);
    }

    /**
     * A 502 for a malformed answer, and its connection closed: one kept for the next request would
     * start with the unread rest of this answer.
     */
    void assertRefused(String response) {
        assertMalformed(response);
        Await.until(Duration.ofSeconds(10), "the gateway closes the connection that carried a malformed answer",
                () -> replica.open.get() == 0);
    }

    /** Every header line of the response head, lower-cased, for "no such header" assertions. */
    static String head(String response) {
        return response.substring(0, response.indexOf("\r\n\r\n") + 2).toLowerCase(Locale.ROOT);
    }

    /**
     * HttpClient framed this by its Content-Length and pooled the connection with "lo\r\n0\r\n\r\n"
     * unread, to be taken for the start of the next answer on it.
     */
    @Test
    void aReplicaAnswerWithContentLengthAndChunkedIsA502() throws Exception {
        try (LogCapture log = LogCapture.of(Proxy.class)) {
            String response = through("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n");
            assertRefused(response);
            assertEquals(1, log.messages(Level.WARNING, replica.address() + " sent a malformed answer: both Content-Length and Transfer-Encoding").size());
        }
    }

    @Test
    void aReplicaAnswerWithTwoDifferentContentLengthsIsA502() throws Exception {
        assertRefused(through("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nhello"));
    }

    /** HttpClient reads "-1" as no length (so to the end of the connection) and "+5" as 5. */
    @ParameterizedTest(name = "Content-Length: {0}")
    @ValueSource(strings = {"-1", "+5"})
    void aReplicaContentLengthWithASignIsA502(String length) throws Exception {
        assertRefused(through("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\nhello"));
    }

    /**
     * HttpClient parses these itself and fails with a NumberFormatException (an
     * IllegalArgumentException out of send, which was a 500) whatever the body handler did; it then
     * leaves the connection open, which the gateway cannot reach (see the README's JDK limits).
     */
    @ParameterizedTest(name = "Content-Length: {0}")
    @ValueSource(strings = {"abc", "5, 5", "0x5", "99999999999999999999"})
    void aReplicaContentLengthThatIsNotANumberIsA502NotA500(String length) throws Exception {
        assertMalformed(through("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\nhello"));
    }

    @ParameterizedTest(name = "Transfer-Encoding: {0}")
    @ValueSource(strings = {"gzip, chunked", "identity", "chunked, gzip", "gzip"})
    void aReplicaTransferEncodingOtherThanChunkedAloneIsA502(String coding) throws Exception {
        assertRefused(through("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + coding + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "status {0}")
    @ValueSource(strings = {"999", "600"})
    void aReplicaStatusAbove599IsA502(String status) throws Exception {
        assertRefused(through("HTTP/1.1 " + status + " Weird\r\nContent-Length: 2\r\n\r\nok"));
    }

    @Test
    void aReplicaHeaderWithNulIsA502() throws Exception {
        try (LogCapture log = LogCapture.of(Proxy.class)) {
            // HttpClient's own parser refuses it (a ProtocolException), and leaves the connection open
            assertMalformed(through("HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok"));
            assertEquals(1, log.messages(Level.WARNING, "a?b").size(), "the NUL is not written to the log");
        }
    }

    @Test
    void aReplicaAnswerWithHeadersOverTheJdkLimitIsA502() throws Exception {
        // jdk.http.maxHeaderSize: 384 KiB by default, counting each header as name + value + 32
        assertMalformed(through("HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(400 * 1024) + "\r\nContent-Length: 2\r\n\r\nok"));
    }

    @Test
    void aSwitchingProtocolsAnswerIsA502() throws Exception {
        assertRefused(through("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"));
    }

    @Test
    void anInterimAnswerIsSkippedAndTheFinalOneRelayed() throws Exception {
        String response = through("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertTrue(response.endsWith("\r\n\r\nok"), response);
        assertFalse(head(response).contains("link:"), "the 103's header is not merged into the final answer: " + response);
    }

    @Test
    void aReplicaProxyHeaderNeverReachesTheClient() throws Exception {
        String response = through("HTTP/1.1 200 OK\r\nProxy-Foo: bar\r\nProxy-Authenticate: Basic\r\nX-Kept: yes\r\n"
                + "Content-Length: 2\r\n\r\nok");
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertFalse(head(response).contains("proxy-"), response);
        assertTrue(head(response).contains("x-kept: yes"), response);
    }

    @Test
    void headersNamedInAReplicasConnectionHeaderNeverReachTheClient() throws Exception {
        String response = through("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s3cr3t\r\n"
                + "Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok");
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertFalse(head(response).contains("x-secret"), response);
        assertFalse(head(response).contains("keep-alive"), response);
    }

    @Test
    void answersCarryViaWithThisGatewayAppended() throws Exception {
        String response = through("HTTP/1.1 200 OK\r\nVia: 1.0 cache-a\r\nContent-Length: 2\r\n\r\nok");
        assertTrue(head(response).contains("\r\nvia: 1.0 cache-a, 1.1 " + ID + "\r\n"), response);
        // and one from a replica that sent no Via
        CountingReplica plain = closeLater(new CountingReplica(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1)));
        client.register("plain", plain.address());
        String second = RawHttp.exchange(gateway.uri(), "GET /plain/x HTTP/1.1\r\nHost: gw\r\nConnection: close");
        assertTrue(head(second).contains("\r\nvia: 1.1 " + ID + "\r\n"), second);
    }

    @Test
    void aMalformedAnswerIsAFailedAttemptRetriedOnlyWhenTheMethodAllows() throws Exception {
        startGateway("--gateway-id", ID, "--failure-threshold", "100");
        CountingReplica bad = replica("HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nok");
        Backend good = closeLater(Backend.named("good"));
        client.register("svc", good.address());
        for (int i = 0; i < 4; i++) {
            String response = get("GET");
            assertTrue(response.startsWith("HTTP/1.1 200 ") && response.endsWith("good"), "GET " + i + ": " + response);
        }
        int postsToBad = 0;
        for (int i = 0; i < 4; i++) {
            int before = bad.requests.get();
            String response = get("POST");
            if (bad.requests.get() > before) {
                postsToBad++;
                assertMalformed(response); // the replica may have acted on it: a POST is not repeated
            } else {
                assertTrue(response.endsWith("good"), response);
            }
        }
        assertEquals(2, postsToBad, "round-robin sends every other POST to the bad replica first");
        assertTrue(client.get("/services").body().contains("\"address\":\"" + bad.address() + "\",\"failures\":4"),
                client.get("/services").body());
    }

    /**
     * JDK limit, pinned: HttpClient's Http1HeaderParser takes a bare CR for the end of a header
     * line, throws away the text before it and parses the rest as a header of its own. The gateway
     * is handed a well-formed Set-Cookie and no trace of X-A, so it cannot tell this answer from one
     * that sent Set-Cookie on its own line. If this test fails, the JDK changed: make such an answer
     * a 502 (RFC 9112 §2.2: a bare CR is invalid, or replaced with SP).
     */
    @Test
    @Tag("httpclient")
    void aBareCrInAReplicaHeaderEndsTheLineInsideTheJdkClient() throws Exception {
        String response = through("HTTP/1.1 200 OK\r\nX-A: foo\rSet-Cookie: injected=cr\r\nContent-Length: 2\r\n\r\nok");
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertTrue(head(response).contains("\r\nset-cookie: injected=cr\r\n"), response);
        assertFalse(head(response).contains("x-a"), response);
        assertFalse(response.substring(0, response.indexOf("\r\n\r\n")).replace("\r\n", "").contains("\r"),
                "no bare CR reaches the client: " + response);
    }

    /** A bare CR followed by a space is folded into the value as a space, which RFC 9112 §2.2 allows. */
    @Test
    @Tag("httpclient")
    void aBareCrBeforeASpaceBecomesPartOfTheValue() throws Exception {
        String response = through("HTTP/1.1 200 OK\r\nX-A: foo\r bar\r\nContent-Length: 2\r\n\r\nok");
        assertTrue(head(response).contains("\r\nx-a: foo bar\r\n"), response);
    }

    /**
     * JDK limit, pinned: HttpClient reads the status as the three characters after "HTTP/1.1 " and
     * never shows the gateway the status line, so "2000" arrives as 200. If this fails, the JDK
     * changed and the answer is refused (or a 502), which is what it should be.
     */
    @Test
    @Tag("httpclient")
    void aFourDigitStatusIsReadAsItsFirstThreeDigitsByTheJdkClient() throws Exception {
        String response = through("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok");
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
    }

    @Test
    void aClientHeaderWithNulIsRefusedNotForwarded() throws Exception {
        startGateway("--gateway-id", ID);
        CountingReplica replica = replica("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        String response = RawHttp.exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: gw\r\nX-A: a\0b\r\nConnection: close");
        assertTrue(response.startsWith("HTTP/1.1 400 "), response);
        assertEquals(0, replica.requests.get());
    }

    /**
     * JDK limit, pinned, on the client side: HttpServer's request parser also ends a header line at
     * a bare CR that a non-blank character follows, so the replica gets two well-formed headers.
     * The client could have sent both anyway; a proxy in front that took the line for one header
     * would be misled, which is why the README asks for one that rejects bare CRs.
     */
    @Test
    @Tag("httpserver")
    void aBareCrInAClientHeaderEndsTheLineInsideTheJdkServer() throws Exception {
        startGateway("--gateway-id", ID);
        Backend backend = closeLater(Backend.named("b"));
        client.register("svc", backend.address());
        String response = RawHttp.exchange(gateway.uri(), "GET /svc/x HTTP/1.1\r\nHost: gw\r\nX-A: foo\rX-Injected: yes\r\nConnection: close");
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        var seen = backend.seen.get(0).headers();
        assertEquals("yes", seen.getFirst("X-Injected"), seen.toString());
        assertEquals("foo", seen.getFirst("X-A"), seen.toString());
    }
}
