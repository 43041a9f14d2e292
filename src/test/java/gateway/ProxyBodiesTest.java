package gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the proxy does with bodies at their size limits: an upload up to the retry buffer is kept
 * and sent again to the next replica; a larger one is streamed and sent once; a HEAD answer keeps
 * the replica's length, zero included.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class ProxyBodiesTest {

    /** The upstream client this test's gateways use; a *SocketsTest subclass runs the same tests on the other. */
    String upstream() {
        return "httpclient";
    }

    Gateway gateway;
    Client client;
    Backend unavailable;
    Backend good;

    @BeforeEach
    void start() throws IOException, InterruptedException {
        gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--failure-threshold", "1000", "--upstream", upstream()), Map.of()));
        client = new Client(gateway.uri());
        unavailable = Backend.status(503); // reads the whole body first
        good = Backend.named("good");
        client.register("svc", unavailable.address());
        client.register("svc", good.address());
    }

    @AfterEach
    void stop() {
        gateway.close();
        unavailable.close();
        good.close();
    }

    private static byte[] bytes(int size) {
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) body[i] = (byte) ('a' + i % 26);
        return body;
    }

    /** PUTs {@code body} twice (one of the two starts at the 503 replica); the statuses, sorted. */
    private List<Integer> putTwice(byte[] body, boolean chunked) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HttpRequest.BodyPublisher publisher = chunked
                    ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)) // no length: chunked
                    : HttpRequest.BodyPublishers.ofByteArray(body);
            HttpRequest request = HttpRequest.newBuilder(gateway.uri().resolve("/svc/upload")).PUT(publisher).build();
            statuses.add(client.http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        statuses.sort(null);
        return statuses;
    }

    private void assertGoodGotWhole(byte[] body, int times) {
        assertEquals(times, good.seen.size());
        for (Backend.Seen seen : good.seen) {
            assertArrayEquals(body, seen.body());
            assertEquals(String.valueOf(body.length), seen.headers().getFirst("Content-Length"), "sent with its length");
            assertNull(seen.headers().getFirst("Transfer-Encoding"));
        }
    }

    @Test
    void anUploadOfExactlyTheRetryBufferIsSentAgainAfterA503() throws Exception {
        byte[] body = bytes(Proxy.KEEP_FOR_RETRY);
        assertEquals(List.of(200, 200), putTwice(body, false));
        assertEquals(1, unavailable.hits.get());
        assertGoodGotWhole(body, 2);
    }

    @Test
    void aSmallChunkedUploadIsSentWithItsLengthAndAgainAfterA503() throws Exception {
        byte[] body = bytes(5);
        assertEquals(List.of(200, 200), putTwice(body, true));
        assertGoodGotWhole(body, 2);
    }

    @Test
    void aChunkedUploadOfExactlyTheRetryBufferIsSentWithItsLengthAndAgainAfterA503() throws Exception {
        byte[] body = bytes(Proxy.KEEP_FOR_RETRY);
        assertEquals(List.of(200, 200), putTwice(body, true));
        assertGoodGotWhole(body, 2);
    }

    @Test
    void anUploadLargerThanTheRetryBufferIsNeverSentTwice() throws Exception {
        for (boolean chunked : List.of(false, true)) {
            byte[] body = bytes(Proxy.KEEP_FOR_RETRY + 1);
            int goodBefore = good.hits.get();
            assertEquals(List.of(200, 502), putTwice(body, chunked), "chunked " + chunked);
            assertEquals(goodBefore + 1, good.hits.get(), "the replica after the 503 got only the request that started there");
            assertTrue(Arrays.equals(body, good.seen.get(good.seen.size() - 1).body()));
        }
    }

    @Test
    void aHeadAnswerOfLengthZeroSaysSo() throws Exception {
        Backend empty = Backend.start(exchange -> {
            exchange.getResponseHeaders().set("Content-Length", "0");
            exchange.sendResponseHeaders(200, -1);
        });
        try (empty) {
            client.register("empty", empty.address());
            String raw = RawHttp.exchange(gateway.uri(), "HEAD /empty/file HTTP/1.1\r\nHost: gw");
            assertTrue(raw.startsWith("HTTP/1.1 200 "), raw);
            assertTrue(raw.toLowerCase().contains("\r\ncontent-length: 0\r\n"), "the replica's length, even 0: " + raw);
        }
    }

    /**
     * Content codings are end to end (RFC 9110 §8.4): a gateway neither decodes nor judges them. A
     * gzip upload and a gzip answer, and a coding nobody knows, pass through byte for byte with their
     * header (the Helidon variant refused every request with a Content-Encoding with a 400: its
     * server decodes request bodies by default).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gzip", "x-custom"})
    void contentCodedBodiesPassThroughAsSentBothWays(String coding) throws Exception {
        byte[] upload = coding.equals("gzip") ? gzip(bytes(3000)) : bytes(300);
        byte[] answer = coding.equals("gzip") ? gzip("the answer".getBytes(StandardCharsets.UTF_8)) : bytes(200);
        List<String> codingsSeen = new CopyOnWriteArrayList<>();
        List<byte[]> uploadsSeen = new CopyOnWriteArrayList<>();
        try (Backend coded = Backend.start(exchange -> {
            codingsSeen.add(String.valueOf(exchange.getRequestHeaders().get("Content-Encoding")));
            uploadsSeen.add(exchange.getRequestBody().readAllBytes());
            exchange.getResponseHeaders().set("Content-Encoding", coding);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
        })) {
            client.register("coded", coded.address());
            HttpRequest request = HttpRequest.newBuilder(gateway.uri().resolve("/coded/upload"))
                    .header("Content-Encoding", coding).POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build();
            HttpResponse<byte[]> response = client.http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
            assertEquals(List.of("[" + coding + "]"), codingsSeen);
            assertArrayEquals(upload, uploadsSeen.getFirst(), "the upload as sent");
            assertEquals(coding, response.headers().firstValue("Content-Encoding").orElse(""));
            assertArrayEquals(answer, response.body(), "the answer as sent");
        }
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(plain);
        }
        return out.toByteArray();
    }
}
