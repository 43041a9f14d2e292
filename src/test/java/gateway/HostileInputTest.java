package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.quicktheories.core.Gen;

/**
 * Request lines the contract forbids, sent over a raw socket (java.net.http would normalise or
 * refuse them): each gets a 4xx/501 and never reaches a replica in a shape the client did not send.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class HostileInputTest {

    /** The upstream client this test's gateways use; a *SocketsTest subclass runs the same tests on the other. */
    String upstream() {
        return "httpclient";
    }

    Gateway gateway;
    Backend replica;
    Backend other;
    final List<LogRecord> severe = new CopyOnWriteArrayList<>();
    final Logger routerLog = Logger.getLogger(Router.class.getName());
    final Handler severeRecorder = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) severe.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void start() throws Exception {
        routerLog.addHandler(severeRecorder);
        gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--upstream", upstream()), Map.of()));
        replica = Backend.named("svc");
        other = Backend.named("x");
        Client client = new Client(gateway.uri());
        assertEquals(201, client.register("svc", replica.address() + "/base").statusCode());
        assertEquals(201, client.register("x", other.address()).statusCode());
    }

    @AfterEach
    void stop() {
        routerLog.removeHandler(severeRecorder);
        gateway.close();
        replica.close();
        other.close();
    }

    private String send(String requestLine) throws IOException {
        return RawHttp.exchange(gateway.uri(), requestLine + "\r\nHost: gw");
    }

    private static void assertStatus(int status, String response) {
        assertTrue(response.startsWith("HTTP/1.1 " + status + " "), response);
        assertTrue(response.contains("{\"error\":"), "a JSON reason: " + response);
    }

    private List<String> seen(Backend backend) {
        return backend.seen.stream().map(Backend.Seen::uri).toList();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/svc/../admin", "/svc/%2e%2e/admin", "/svc/.%2e/admin", "/svc/%2E%2E/admin",
            "/svc/a/../../admin", "/svc/%2E%2E%2Fadmin", "/svc/..%2fadmin", "/svc/a%2F..%2F..%2Fadmin"})
    void aDotDotPathCannotLeaveTheReplicasBase(String path) throws Exception {
        assertStatus(400, send("GET " + path + " HTTP/1.1"));
        assertEquals(List.of(), seen(replica));
    }

    @Test
    void dotSegmentsInsideTheServiceAreRemovedBeforeForwarding() throws Exception {
        for (String path : List.of("/svc/a/b/../c/./d", "/svc/a/%2E%2e/x?q=..", "/svc/a%2Fb", "/svc/a/..")) {
            assertTrue(send("GET " + path + " HTTP/1.1").startsWith("HTTP/1.1 200 "), path);
        }
        assertEquals(List.of("/base/a/c/d", "/base/x?q=..", "/base/a%2Fb", "/base/"), seen(replica));
    }

    @Test
    void aDoubleSlashTargetIsNotRoutedToTheServiceNamedAfterIt() throws Exception {
        assertStatus(404, send("GET //echo/x HTTP/1.1"));
        assertStatus(404, send("GET ///x HTTP/1.1"));
        assertStatus(404, send("GET //svc/x HTTP/1.1"));
        assertEquals(List.of(), seen(other));
        assertEquals(List.of(), seen(replica));
        assertTrue(send("GET http://elsewhere/svc/y HTTP/1.1").startsWith("HTTP/1.1 200 "), "absolute form routes by its path");
        assertEquals(List.of("/base/y"), seen(replica));
    }

    @Test
    void rawUtf8InAPathIsRefusedNotReencoded() throws Exception {
        // "é" as UTF-8 bytes on the wire (RawHttp writes chars as ISO-8859-1 bytes)
        assertStatus(400, send("GET /svc/caf\u00c3\u00a9 HTTP/1.1"));
        assertStatus(400, send("GET /svc/x?q=\u00c3\u00a9 HTTP/1.1"));
        assertEquals(List.of(), seen(replica));
        assertTrue(send("GET /svc/caf%C3%A9 HTTP/1.1").startsWith("HTTP/1.1 200 "));
        assertEquals(List.of("/base/caf%C3%A9"), seen(replica), "percent-encoded UTF-8 goes through as sent");
    }

    @Test
    void connectIsNotImplementedAndAnInvalidMethodIsABadRequest() throws Exception {
        assertStatus(501, send("CONNECT /svc/x HTTP/1.1"));
        assertStatus(400, send("GE(T /svc/x HTTP/1.1"));
        assertStatus(400, send("GE\"T /health HTTP/1.1"));
        assertEquals(List.of(), seen(replica));
        assertEquals(List.of(), severe.stream().map(LogRecord::getMessage).toList(), "no SEVERE 'bug' log");
        assertTrue(send("GET /health HTTP/1.1").startsWith("HTTP/1.1 200 "), "the gateway still answers");
        assertTrue(send("PURGE /svc/x HTTP/1.1").startsWith("HTTP/1.1 200 "), "any other token is forwarded");
        assertEquals("PURGE", replica.seen.get(0).method());
    }

    /** Refused by the JDK's server (with its own HTML body) or by the gateway; none reaches a replica. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "400|Content-Length: 5\r\nTransfer-Encoding: chunked",
            "400|Transfer-Encoding: chunked\r\nContent-Length: 5",
            "400|Content-Length: 5\r\nContent-Length: 5",
            "400|Content-Length: 5, 5",
            "400|Content-Length: -5",
            "400|Content-Length: +5",
            "400|Content-Length: 0x5",
            "400|X-Nul: a\u0000b",
            "400|X-N\u0000l: ab"})
    void ambiguousFramingAndNulsAreRefusedAndNothingIsForwarded(String statusAndHeaders) throws Exception {
        String[] parts = statusAndHeaders.split("\\|", 2);
        String response = RawHttp.exchange(gateway.uri(), "POST /svc/x HTTP/1.1\r\nHost: gw\r\n" + parts[1]);
        assertTrue(response.startsWith("HTTP/1.1 " + parts[0] + " "), response);
        assertEquals(List.of(), seen(replica));
    }

    static List<String> unknownTransferCodings() {
        return List.of("Transfer-Encoding: xchunked", "Transfer-Encoding: chunked, identity",
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked");
    }

    /**
     * A transfer coding other than one final "chunked" is refused, 501 (RFC 9112 §6.1, unknown
     * coding) or 400 (§6.3, chunked not final), and nothing is forwarded.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownTransferCodings")
    void unknownTransferCodingsAreRefusedAndNothingIsForwarded(String headers) throws Exception {
        String response = RawHttp.exchange(gateway.uri(), "POST /svc/x HTTP/1.1\r\nHost: gw\r\n" + headers);
        assertTrue(response.startsWith("HTTP/1.1 501 ") || response.startsWith("HTTP/1.1 400 "), response);
        assertEquals(List.of(), seen(replica));
    }

    /** HttpServer's own choice among the two: 501 for each (Helidon answers 400, as §6.3 asks when chunked is not final). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownTransferCodings")
    @Tag("httpserver")
    void unknownTransferCodingsAre501InTheJdkServer(String headers) throws Exception {
        String response = RawHttp.exchange(gateway.uri(), "POST /svc/x HTTP/1.1\r\nHost: gw\r\n" + headers);
        assertTrue(response.startsWith("HTTP/1.1 501 "), response);
    }

    /** An asterisk-form target asks about the server itself (RFC 9112 §3.2.4): it is refused, never forwarded. */
    @Test
    void optionsAsteriskIsRefusedAndNothingIsForwarded() throws Exception {
        String response = RawHttp.exchange(gateway.uri(), "OPTIONS * HTTP/1.1\r\nHost: gw");
        assertTrue(response.startsWith("HTTP/1.1 4"), response);
        assertEquals(List.of(), seen(replica));
        assertEquals(List.of(), seen(other));
    }

    /** HttpServer's own answer to it, before any handler: its HTML 404 (a context path must start with '/'). */
    @Test
    @Tag("httpserver")
    void optionsAsteriskGetsTheJdksHtml404() throws Exception {
        String response = RawHttp.exchange(gateway.uri(), "OPTIONS * HTTP/1.1\r\nHost: gw");
        assertTrue(response.startsWith("HTTP/1.1 404 ") && response.contains("No context found"), response);
    }

    /** The spellings of Transfer-Encoding that request-smuggling scanners try (defparam/smuggler's gadgets). */
    private static Gen<String> obfuscatedTransferEncodings() {
        List<String> templates = List.of("Transfer-Encoding:%cchunked", "Transfer-Encoding%c: chunked",
                "%cTransfer-Encoding: chunked", "Transfer-Encoding: chunked%c", "X: X%cTransfer-Encoding: chunked",
                "Transfer-Encoding: chunked%cX: X", "X: X\r%cTransfer-Encoding: chunked", "X: X%c\nTransfer-Encoding: chunked",
                "Transfer-Encoding: chunked\r%cX: X", "Transfer-Encoding: chunked%c\nX: X", "Transfer%c-Encoding: chunked",
                "Transfer%cEncoding: chunked", "Transfer-Encoding: chunked, %c");
        Gen<Integer> oddBytes = integers().between(0x01, 0x20).mix(integers().between(0x7f, 0xff)).mix(arbitrary().pick(0x5f, 0x2d));
        Gen<String> mutated = arbitrary().pick(templates).zip(oddBytes, (template, b) -> template.replace("%c", String.valueOf((char) (int) b)));
        Gen<String> named = arbitrary().pick("Transfer-Encoding: chunked", "TRANSFER-ENCODING: CHUNKED", "Transfer-Encoding: chunked, cow",
                "Transfer-Encoding: cow, chunked", "Transfer-Encoding: \"chunked\"", "Transfer-Encoding: chunk",
                "Transfer-Encoding:\n chunked", "Transfer-Encoding: cow\r\nTransfer-Encoding: chunked", "Transfer-Encoding: x\r\n chunked");
        return mutated.mix(named, 15);
    }

    /** A header name as the most lenient server might read it: control bytes and spaces dropped, case, underscores and dashes alike. */
    private static String asALenientServerReadsIt(String name) {
        return name.chars().filter(c -> c > ' ' && c != 0x7f).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Each obfuscated Transfer-Encoding, on a request framed by Content-Length whose body is also a
     * complete chunked one: either refused with an error status and nothing forwarded, or forwarded
     * with the Content-Length's bytes and no header a lenient replica could take for Transfer-Encoding.
     * Found Transfer_Encoding passed on (now dropped, see ForwardHeaders); 668 gadgets of smuggler's
     * exhaustive set found nothing else on any stack.
     */
    @Test
    void anObfuscatedTransferEncodingIsRefusedOrNeitherReframesTheBodyNorReachesTheReplica() {
        qt().withExamples(300).forAll(obfuscatedTransferEncodings()).checkAssert(gadget -> {
            replica.seen.clear();
            String response;
            try {
                response = RawHttp.exchange(gateway.uri(), "POST /svc/x HTTP/1.1\r\n" + gadget + "\r\nHost: gw\r\nContent-Length: 5", "0\r\n\r\n");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            String status = response.length() >= 12 ? response.substring(9, 12) : response;
            if (status.startsWith("2")) {
                assertEquals(1, replica.seen.size(), response);
                Backend.Seen seen = replica.seen.getFirst();
                assertEquals("0\r\n\r\n", new String(seen.body(), StandardCharsets.ISO_8859_1), "the Content-Length's bytes");
                for (String name : seen.headers().keySet()) {
                    assertFalse(asALenientServerReadsIt(name).equals("transfer-encoding"), name + " reached the replica");
                }
            } else {
                assertTrue(response.isEmpty() || status.startsWith("4") || status.startsWith("5"), "an error status, or a close: " + response);
                assertEquals(List.of(), seen(replica));
            }
        });
        assertEquals(List.of(), severe.stream().map(LogRecord::getMessage).toList(), "no SEVERE 'bug' log");
    }
}
