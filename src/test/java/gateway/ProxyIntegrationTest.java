package gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The proxy over real sockets: real replicas, refusing, failing, hanging and streaming ones. */
@Tag("contract") // run on every stack (benchmarks/variants)
class ProxyIntegrationTest extends GatewayTest {

    @Test
    void forwardsMethodPathQueryHeadersAndBody() throws Exception {
        startGateway();
        Backend replica = closeLater(Backend.named("one"));
        client.register("svc", replica.address());
        HttpRequest request = HttpRequest.newBuilder(gateway.uri().resolve("/svc/a/b%20c?x=1&y=%2F"))
                .header("X-Custom", "kept").header("X-Forwarded-For", "203.0.113.9")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("payload")).build();
        HttpResponse<String> response = client.http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("one", response.body());
        Backend.Seen seen = replica.seen.get(0);
        assertEquals("PATCH", seen.method());
        assertEquals("/a/b%20c?x=1&y=%2F", seen.uri());
        assertEquals("payload", new String(seen.body(), StandardCharsets.UTF_8));
        assertEquals("kept", seen.headers().getFirst("X-Custom"));
        assertEquals("127.0.0.1", seen.headers().getFirst("X-Forwarded-For"), "the client is no trusted proxy");
        assertEquals("http", seen.headers().getFirst("X-Forwarded-Proto"));
        assertEquals(gateway.uri().getAuthority(), seen.headers().getFirst("X-Forwarded-Host"));
    }

    @Test
    void theServiceAloneForwardsTheRootAndTheBasePathIsKept() throws Exception {
        startGateway();
        Backend replica = closeLater(Backend.named("one"));
        client.register("svc", replica.address() + "/base/");
        assertEquals(200, client.get("/svc").statusCode());
        assertEquals(200, client.get("/svc/x?q").statusCode());
        assertEquals(List.of("/base/", "/base/x?q"), replica.seen.stream().map(Backend.Seen::uri).toList());
    }

    @Test
    void hopByHopHeadersAreDroppedBothWays() throws Exception {
        startGateway();
        Backend replica = closeLater(Backend.start(exchange -> {
            exchange.getResponseHeaders().add("Keep-Alive", "timeout=5");
            exchange.getResponseHeaders().add("Proxy-Authenticate", "Basic");
            exchange.getResponseHeaders().add("Connection", "X-Upstream-Hop");
            exchange.getResponseHeaders().add("X-Upstream-Hop", "secret");
            exchange.getResponseHeaders().add("X-App", "yes");
            String seen = String.join(",", new java.util.TreeSet<>(exchange.getRequestHeaders().keySet()));
            Backend.reply(exchange, 200, seen);
        }));
        client.register("svc", replica.address());
        String raw = RawHttp.exchange(gateway.uri(), "GET /svc/ HTTP/1.1\r\nHost: gw\r\nX-Hop-Named: 1\r\n"
                + "Connection: X-Hop-Named\r\nKeep-Alive: 300\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\n"
                + "Upgrade: websocket\r\nX-End: 1");
        assertTrue(raw.startsWith("HTTP/1.1 200"), raw);
        String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
        for (String hop : List.of("X-hop-named", "Keep-alive", "Te", "Proxy-authorization", "Upgrade")) {
            assertFalse(body.contains(hop), hop + " reached the replica: " + body);
        }
        assertTrue(body.contains("X-end"), body);
        String head = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase();
        assertTrue(head.contains("x-app: yes"), head);
        for (String hop : List.of("keep-alive:", "proxy-authenticate:", "x-upstream-hop:")) {
            assertFalse(head.contains(hop), hop + " reached the client: " + head);
        }
    }

    @Test
    void headKeepsTheReplicasLengthAnd204HasNoBody() throws Exception {
        startGateway();
        Backend replica = closeLater(Backend.start(exchange -> {
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", "1234");
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(204, -1);
            }
        }));
        client.register("svc", replica.address());
        var head = client.send("HEAD", "/svc/file", null);
        assertEquals(200, head.statusCode());
        assertEquals("1234", head.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("", head.body());
        String raw = RawHttp.exchange(gateway.uri(), "DELETE /svc/x HTTP/1.1\r\nHost: gw");
        assertTrue(raw.startsWith("HTTP/1.1 204"), raw);
        assertTrue(raw.endsWith("\r\n\r\n"), "no body after a 204: " + raw);
        assertFalse(raw.toLowerCase().contains("transfer-encoding"), raw);
    }

    @Test
    void requestsAreSpreadRoundRobin() throws Exception {
        startGateway();
        List<Backend> replicas = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            replicas.add(closeLater(Backend.named("r" + i)));
            client.register("svc", replicas.get(i).address());
        }
        for (int i = 0; i < 30; i++) assertEquals(200, client.get("/svc/").statusCode());
        for (Backend b : replicas) assertEquals(10, b.hits.get());
    }

    @Test
    void aRefusingReplicaIsSkippedCountedAndEvictedAtTheThreshold() throws Exception {
        startGateway("--failure-threshold", "3");
        Backend good = closeLater(Backend.named("good"));
        String dead = Backend.refusing();
        client.register("svc", good.address());
        client.register("svc", dead);
        for (int i = 0; i < 6; i++) {
            var response = client.get("/svc/");
            assertEquals(200, response.statusCode());
            assertEquals("good", response.body());
        }
        String services = client.get("/services").body();
        assertTrue(services.startsWith("{\"services\":[{\"name\":\"svc\",\"replicas\":[{\"address\":\"" + good.address()
                + "\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[{\"address\":\"" + dead
                + "\",\"ejections\":1,\"probeInMs\":"), "ejected, and remembered for its probe: " + services);
        assertEquals(List.of(Address.parse(good.address())), gateway.registry().snapshot().get("svc").replicas());
        assertEquals(6, good.hits.get());
    }

    @Test
    void aSuccessResetsTheCountSoOnlyConsecutiveFailuresEvict() throws Exception {
        startGateway("--failure-threshold", "2", "--allow-empty-service"); // one replica: the guard would keep it
        AtomicBoolean failing = new AtomicBoolean(true);
        Backend flaky = closeLater(Backend.start(exchange -> Backend.reply(exchange, failing.get() ? 503 : 200, "")));
        client.register("svc", flaky.address());
        assertEquals(502, client.get("/svc/").statusCode());
        failing.set(false);
        assertEquals(200, client.get("/svc/").statusCode());
        failing.set(true);
        assertEquals(502, client.get("/svc/").statusCode());
        assertTrue(client.get("/services").body().contains("\"failures\":1"), "1 failure since the success");
        assertEquals(502, client.get("/svc/").statusCode());
        assertEquals(503, client.get("/svc/").statusCode(), "second failure in a row evicted the only replica");
    }

    @Test
    void aReplicaReRegisteredAfterAnEvictionStartsFromZeroFailures() throws Exception {
        startGateway("--failure-threshold", "3", "--allow-empty-service"); // one replica: the guard would keep it
        int inFlight = 11;
        CountDownLatch allArrived = new CountDownLatch(inFlight);
        Backend sick = closeLater(Backend.start(exchange -> {
            allArrived.countDown(); // hold every request until all are in flight, then fail them together
            try {
                allArrived.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Backend.reply(exchange, 503, "");
        }));
        client.register("svc", sick.address());
        List<Thread> requests = new ArrayList<>();
        for (int i = 0; i < inFlight; i++) requests.add(Thread.ofVirtual().start(() -> call(() -> client.get("/svc/"))));
        for (Thread t : requests) t.join();
        assertEquals(503, client.get("/svc/").statusCode(), "evicted by the first three failures");

        assertEquals(202, client.register("svc", sick.address()).statusCode(), "ejected: a heartbeat is held for its probe");
        assertEquals(200, client.deregister("svc", sick.address()).statusCode(), "deregistered while ejected: forgotten");
        assertEquals(201, client.register("svc", sick.address()).statusCode());

        assertEquals("{\"services\":[{\"name\":\"svc\",\"replicas\":[{\"address\":\"" + sick.address() + "\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}",
                client.get("/services").body(), "the eight late failures left nothing behind");
    }

    @Test
    void aReplicaListedInTwoServicesIsEvictedFromBoth() throws Exception {
        startGateway("--failure-threshold", "3", "--allow-empty-service"); // each service's only replica: the guard would keep it
        String dead = Backend.refusing();
        client.register("x", dead);
        client.register("y", dead);
        assertEquals(502, client.get("/x/").statusCode());
        assertEquals(502, client.get("/x/").statusCode());
        assertEquals(502, client.get("/y/").statusCode(), "the third consecutive failure of that server");

        assertEquals(503, client.get("/y/").statusCode());
        assertEquals(503, client.get("/x/").statusCode(), "one server: gone from every service that listed it");
        String services = client.get("/services").body();
        for (String name : List.of("x", "y")) {
            assertTrue(services.contains("{\"name\":\"" + name + "\",\"replicas\":[],\"ejected\":[{\"address\":\"" + dead
                    + "\",\"ejections\":1,"), "no replica to route to, one ejected: " + services);
        }
    }

    @Test
    void idempotentRequestsMoveOnAfterA503ButPostDoesNot() throws Exception {
        startGateway("--failure-threshold", "100");
        Backend unavailable = closeLater(Backend.status(503));
        Backend good = closeLater(Backend.named("good"));
        client.register("svc", unavailable.address());
        client.register("svc", good.address());
        for (int i = 0; i < 4; i++) assertEquals("good", client.get("/svc/").body());
        assertEquals(4, good.hits.get());

        List<Integer> posts = new ArrayList<>();
        for (int i = 0; i < 4; i++) posts.add(client.send("POST", "/svc/order", "{}").statusCode());
        assertEquals(List.of(200, 200, 502, 502), posts.stream().sorted().toList(), "a POST that got 503 is not repeated");
        assertEquals(6, good.hits.get());
        var failed = client.send("POST", "/svc/order", "{}");
        if (failed.statusCode() == 200) failed = client.send("POST", "/svc/order", "{}");
        var attempts = ApiIntegrationTest.json(failed).get("attempts");
        assertEquals(1, attempts.size());
        assertEquals("BAD_STATUS", attempts.get(0).get("outcome").asText());
        assertEquals("503", attempts.get(0).get("status").asText());
    }

    @Test
    void aPostIsRetriedWithItsBodyWhenTheReplicaWasNeverReached() throws Exception {
        startGateway("--failure-threshold", "100");
        Backend good = closeLater(Backend.named("good"));
        client.register("svc", Backend.refusing());
        client.register("svc", good.address());
        for (int i = 0; i < 4; i++) assertEquals(200, client.send("POST", "/svc/order", "body-" + i).statusCode());
        assertEquals(List.of("body-0", "body-1", "body-2", "body-3"),
                good.seen.stream().map(s -> new String(s.body(), StandardCharsets.UTF_8)).toList());
    }

    @Test
    void whenEveryReplicaFailsTheAnswerIs502NamingTheAttempts() throws Exception {
        startGateway("--failure-threshold", "100");
        Backend a = closeLater(Backend.status(503));
        Backend b = closeLater(Backend.status(504));
        client.register("svc", a.address());
        client.register("svc", b.address());
        var response = client.get("/svc/");
        assertEquals(502, response.statusCode());
        var json = ApiIntegrationTest.json(response);
        assertEquals("every attempted replica of service 'svc' failed", json.get("error").asText());
        assertEquals(2, json.get("attempts").size());
        assertEquals(1, a.hits.get());
        assertEquals(1, b.hits.get());
    }

    @Test
    void aRetryStartsOnlyWhileTheDeadlineIsAheadAndPastItTheAnswerIs504() throws Exception {
        TestClock clock = new TestClock();
        startGateway(clock, "--request-timeout-ms", "30000", "--failure-threshold", "100");
        List<Backend> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            slow.add(closeLater(Backend.start(exchange -> {
                clock.advance(Duration.ofSeconds(15)); // each answer takes half the deadline, on the gateway's clock
                Backend.reply(exchange, 503, "");
            })));
            client.register("svc", slow.get(i).address());
        }
        var response = client.get("/svc/");
        assertEquals(504, response.statusCode(), response.body());
        var json = ApiIntegrationTest.json(response);
        assertEquals("service 'svc' did not answer within 30000 ms", json.get("error").asText());
        assertEquals(2, json.get("attempts").size(), "retried with 15 s left, not with 0 s left: " + json);
        assertEquals(2, slow.stream().mapToInt(b -> b.hits.get()).sum());
    }

    @Test
    void aRetryWithTimeLeftThatAlsoFailsIs502() throws Exception {
        TestClock clock = new TestClock();
        startGateway(clock, "--request-timeout-ms", "30000", "--failure-threshold", "100");
        for (int i = 0; i < 2; i++) {
            client.register("svc", closeLater(Backend.start(exchange -> {
                clock.advance(Duration.ofSeconds(15).minusNanos(1)); // together, two nanoseconds short of the deadline
                Backend.reply(exchange, 503, "");
            })).address());
        }
        var response = client.get("/svc/");
        assertEquals(502, response.statusCode(), "every replica failed within the deadline: " + response.body());
        assertEquals(2, ApiIntegrationTest.json(response).get("attempts").size());
    }

    /**
     * Real time, 300 ms of it: the attempt is ended by HttpClient's own timer, which no Clock drives
     * (and which reports a timer that fires before the connection is up as a connect timeout, so the
     * deadline must leave time to connect).
     */
    @Test
    void aReplicaThatHangsPastTheDeadlineGives504() throws Exception {
        startGateway("--request-timeout-ms", "300", "--failure-threshold", "100");
        CountDownLatch release = new CountDownLatch(1);
        Backend hanging = closeLater(Backend.start(exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }));
        closing.add(release::countDown);
        client.register("svc", hanging.address());
        var response = client.get("/svc/slow");
        assertEquals(504, response.statusCode());
        var json = ApiIntegrationTest.json(response);
        assertEquals("service 'svc' did not answer within 300 ms", json.get("error").asText());
        assertEquals("TIMED_OUT", json.get("attempts").get(0).get("outcome").asText());
        assertTrue(client.get("/services").body().contains("\"failures\":1"));
    }

    static final int MiB = 1 << 20;
    static final long LARGE = 50L * MiB;

    /** Deterministic bytes, so both ends can check content without holding it. */
    static byte pattern(long i) {
        return (byte) (i * 31 + (i >>> 11));
    }

    @Test
    void aLargeDownloadIsStreamedNotBuffered() throws Exception {
        startGateway();
        CountDownLatch clientHasFirstMiB = new CountDownLatch(1);
        AtomicBoolean streamed = new AtomicBoolean();
        Backend replica = closeLater(Backend.start(exchange -> {
            exchange.sendResponseHeaders(200, LARGE);
            var out = exchange.getResponseBody();
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < LARGE; sent += chunk.length) {
                for (int i = 0; i < chunk.length; i++) chunk[i] = pattern(sent + i);
                out.write(chunk);
                if (sent == 2L * MiB) {
                    out.flush();
                    try {
                        // the client can only see these bytes before the rest exists if the gateway streams
                        streamed.set(clientHasFirstMiB.await(20, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
            }
        }));
        client.register("svc", replica.address());
        var response = client.http.send(HttpRequest.newBuilder(gateway.uri().resolve("/svc/big")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals(String.valueOf(LARGE), response.headers().firstValue("Content-Length").orElseThrow());
        long read = 0;
        boolean matches = true;
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) matches &= buffer[i] == pattern(read + i);
                read += n;
                if (read >= MiB) clientHasFirstMiB.countDown();
            }
        }
        assertTrue(streamed.get(), "the first MiB reached the client before the replica sent the rest");
        assertEquals(LARGE, read);
        assertTrue(matches, "content arrived intact");
    }

    @Test
    void aLargeChunkedUploadIsStreamedNotBuffered() throws Exception {
        startGateway();
        CountDownLatch replicaHasThreeMiB = new CountDownLatch(1);
        AtomicLong received = new AtomicLong();
        AtomicBoolean intact = new AtomicBoolean(true);
        Backend replica = closeLater(Backend.start(exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] buffer = new byte[16 * 1024];
                long at = 0;
                for (int n; (n = in.read(buffer)) > 0; ) {
                    for (int i = 0; i < n; i++) if (buffer[i] != pattern(at + i)) intact.set(false);
                    at += n;
                    if (at >= 3L * MiB) replicaHasThreeMiB.countDown();
                }
                received.set(at);
            }
            Backend.reply(exchange, 200, "got " + received.get());
        }));
        client.register("svc", replica.address());
        AtomicBoolean streamed = new AtomicBoolean();
        InputStream upload = new InputStream() {
            long at;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (at >= LARGE) return -1;
                if (at == 4L * MiB) {
                    try {
                        // the replica can only hold 3 MiB before the client sent 4 if the gateway streams
                        streamed.set(replicaHasThreeMiB.await(20, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                int n = (int) Math.min(Math.min(len, 64 * 1024), Math.min(LARGE - at, at < 4L * MiB ? 4L * MiB - at : Long.MAX_VALUE));
                for (int i = 0; i < n; i++) b[off + i] = pattern(at + i);
                at += n;
                return n;
            }
        };
        var response = client.http.send(HttpRequest.newBuilder(gateway.uri().resolve("/svc/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> upload)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("got " + LARGE, response.body());
        assertTrue(streamed.get(), "the replica had 3 MiB before the client sent the 5th");
        assertTrue(intact.get(), "content arrived intact");
    }

    @Test
    void aKnownLengthUploadAboveTheRetryBufferKeepsItsLength() throws Exception {
        startGateway();
        Backend replica = closeLater(Backend.named("one"));
        client.register("svc", replica.address());
        byte[] body = new byte[3 * MiB + 17];
        for (int i = 0; i < body.length; i++) body[i] = pattern(i);
        var response = client.http.send(HttpRequest.newBuilder(gateway.uri().resolve("/svc/upload"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertArrayEquals(body, replica.seen.get(0).body());
        assertEquals(String.valueOf(body.length), replica.seen.get(0).headers().getFirst("Content-Length"));
    }

    @Test
    void aSmallAnswerThatBreaksOffIsAFailedAttemptAndAGetMovesOn() throws Exception {
        startGateway("--failure-threshold", "100");
        Backend broken = closeLater(Backend.start(exchange -> {
            exchange.sendResponseHeaders(200, 100); // small and of known length: read whole before relaying
            exchange.getResponseBody().write("only ten b".getBytes(StandardCharsets.UTF_8));
            exchange.getResponseBody().flush();
            throw new IOException("replica died mid-body");
        }));
        Backend good = closeLater(Backend.named("good"));
        client.register("svc", broken.address());
        client.register("svc", good.address());
        for (int i = 0; i < 4; i++) assertEquals("good", client.get("/svc/").body());
        assertEquals(2, broken.hits.get(), "half the requests started on the broken replica and moved on");
        assertTrue(client.get("/services").body().contains("\"failures\":2"), client.get("/services").body());
    }

    /**
     * Pins what {@link Proxy.AbortedResponse} relies on: the JDK's HttpServer drops the connection
     * when a handler throws before its response is complete (implementation, not contract).
     */
    @Test
    void aBodyThatBreaksOffMidStreamIsNotPassedOffAsComplete() throws Exception {
        startGateway();
        Backend replica = closeLater(Backend.start(exchange -> {
            exchange.sendResponseHeaders(200, 0); // chunked
            // more than the gateway buffers, so that its client has the status line and part of the body
            exchange.getResponseBody().write(new byte[256 * 1024]);
            exchange.getResponseBody().flush();
            throw new IOException("replica died mid-body"); // HttpServer drops the connection, no final chunk
        }));
        client.register("svc", replica.address());
        String changed = "the JDK's HttpServer has changed how it ends an exchange whose handler throws; "
                + "Proxy.AbortedResponse relies on the old way (the connection dropped) and needs another: ";
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (Socket socket = new Socket(gateway.uri().getHost(), gateway.uri().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /svc/ HTTP/1.1\r\nHost: gw\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            try {
                for (int b; (b = in.read()) >= 0; ) got.write(b);
            } catch (SocketTimeoutException e) {
                fail(changed + "the connection stayed open after " + got.size() + " bytes");
            } catch (IOException e) {
                // reset: dropped all the same
            }
        }
        String raw = got.toString(StandardCharsets.ISO_8859_1);
        String head = raw.substring(0, Math.max(0, raw.indexOf("\r\n\r\n")));
        assertTrue(head.startsWith("HTTP/1.1 200") && head.toLowerCase().contains("transfer-encoding: chunked")
                && raw.length() > head.length() + 64 * 1024, "the answer began as the replica's did: " + head + " and "
                + (raw.length() - head.length()) + " bytes");
        assertFalse(raw.endsWith("\r\n0\r\n\r\n"), changed + "the truncated body ended with a last chunk, as if complete");
        assertThrows(IOException.class, () -> client.get("/svc/"), "java.net.http sees the body break off");
        assertEquals(200, client.get("/health").statusCode(), "the gateway itself is unharmed");
    }

    private static void call(java.util.concurrent.Callable<?> request) {
        try {
            request.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
