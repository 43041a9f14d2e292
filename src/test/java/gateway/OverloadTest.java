package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * More clients than the gateway can hold at once, against a gateway process with the launcher's
 * heap: it keeps answering instead of running out of memory. Subprocesses, since the heap and the
 * connection cap are per JVM; run by surefire from the compiled classes, like {@link CliTest}.
 */
class OverloadTest {

    /**
     * The launcher's (build.sh): with it and a 32 MiB retry budget, 400 held uploads left the
     * gateway deaf (/health timed out); the default budget is now an eighth of the heap.
     */
    static final List<String> LAUNCHER_HEAP = List.of("-XX:+UseSerialGC", "-Xmx56m");
    static final int UPLOADS = 400;
    /** Just under the 1 MiB that a body may have to be kept for retry. */
    static final int DECLARED = 1_000_000;
    static final int HELD_BACK = 10;
    /** Every upload writes from this one buffer, so the test's own heap stays small. */
    static final byte[] BYTES = new byte[64 * 1024];

    @Test
    void theHeapThisTestGivesTheGatewayIsTheLaunchers() throws IOException {
        String launcher = java.nio.file.Files.readAllLines(java.nio.file.Path.of("build.sh")).stream()
                .filter(line -> line.startsWith("JVM_FLAGS=")).findFirst().orElseThrow();
        for (String flag : LAUNCHER_HEAP) assertTrue(launcher.contains(flag), launcher);
    }

    /**
     * A registry full to the default limits, as a restart finds it in its state file: the gateway
     * starts within the launcher's heap, lists it, refuses one more replica, and goes on proxying.
     * (With 4096 services of 256 replicas, ~250 bytes each, the gateway ran out of memory.)
     */
    @Test
    void aRegistryFullToTheDefaultLimitsFitsTheLaunchersHeap(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (Backend replica = Backend.named("svc0")) {
            // every service full but svc0, whose one replica answers
            StringBuilder state = new StringBuilder("{\"services\":{\"svc0\":[\"" + replica.address() + "\"]");
            for (int s = 1; s < Config.DEFAULT_MAX_SERVICES; s++) {
                state.append(",\"svc").append(s).append("\":[");
                for (int r = 0; r < Config.DEFAULT_MAX_REPLICAS_PER_SERVICE; r++) {
                    state.append(r == 0 ? "" : ",").append("\"http://10.").append(r).append('.').append(s / 256).append('.').append(s % 256).append(":8080\"");
                }
                state.append(']');
            }
            java.nio.file.Path file = dir.resolve("state.json");
            java.nio.file.Files.writeString(file, state.append("}}"));
            List<String> jvm = new ArrayList<>(LAUNCHER_HEAP);
            jvm.add("-XX:+ExitOnOutOfMemoryError");
            try (Launched gw = Launched.start(null, Map.of(), jvm, "--bind", "127.0.0.1", "--port", "0", "--state-file", file.toString())) {
                Client client = new Client(gw.awaitListening());
                assertEquals(200, client.get("/services").statusCode(), gw.stderrText());
                assertEquals(409, client.register("svc1", "http://10.0.0.1:1").statusCode());
                assertEquals(409, client.register("svc" + Config.DEFAULT_MAX_SERVICES, "http://10.0.0.1:1").statusCode());
                assertEquals(200, client.get("/svc0/").statusCode(), gw.stderrText());
                assertEquals(200, client.get("/health").statusCode());
                assertFalse(gw.stderrText().contains("OutOfMemoryError"), gw.stderrText());
            }
        }
    }

    @Test
    void fourHundredHeldUploadsOfAMegabyteLeaveTheGatewayAnswering() throws Exception {
        AtomicInteger uploadsStarted = new AtomicInteger();
        AtomicInteger uploadsEnded = new AtomicInteger();
        try (Backend replica = Backend.start(exchange -> {
                 uploadsStarted.incrementAndGet();
                 try {
                     exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                 } finally {
                     uploadsEnded.incrementAndGet();
                 }
                 Backend.reply(exchange, 200, "ok");
             });
             Launched gw = Launched.start(null, Map.of(), LAUNCHER_HEAP,
                     "--bind", "127.0.0.1", "--port", "0", "--failure-threshold", "3")) {
            URI uri = gw.awaitListening();
            Client client = new Client(uri);
            assertEquals(201, client.register("svc", replica.address()).statusCode());
            List<Socket> held = new ArrayList<>();
            boolean allSent;
            int health;
            try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < UPLOADS; i++) {
                    Socket socket = new Socket(uri.getHost(), uri.getPort());
                    held.add(socket);
                    sent.add(senders.submit(() -> sendAllButTheEnd(socket)));
                }
                allSent = true;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                for (Future<?> f : sent) {
                    try {
                        f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (Exception e) {
                        allSent = false; // a gateway that stopped reading; /health tells why
                    }
                }
                HttpRequest request = HttpRequest.newBuilder(uri.resolve("/health")).timeout(Duration.ofSeconds(5)).build();
                try {
                    health = client.http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
                } catch (HttpTimeoutException e) {
                    health = 0; // deaf
                }
                for (Socket socket : held) socket.close(); // the clients go away
            }
            assertEquals(200, health, "/health while " + UPLOADS + " uploads are held");
            assertFalse(gw.stderrText().contains("OutOfMemoryError"), gw.stderrText());
            assertTrue(allSent, "the gateway took every upload up to its last bytes");
            Await.until(Duration.ofSeconds(30), "the replica sees every upload it was streamed end",
                    () -> uploadsEnded.get() == uploadsStarted.get());
            // The gateway ends 400 abandoned exchanges first (their upstream halves included); a
            // request that overtakes that work on a loaded machine is not what this test is about.
            Await.until(Duration.ofSeconds(30), "the abandoned uploads are no longer in flight", () -> {
                try {
                    String metrics = client.get("/metrics").body(); // the scrape is in flight itself
                    return metrics.contains("\ngateway_requests_in_flight 1\n");
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            });
            assertEquals("ok", client.get("/svc/").body(), gw.stderrText());
            assertEquals("{\"services\":[{\"name\":\"svc\",\"replicas\":[{\"address\":\"" + replica.address()
                    + "\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}", client.get("/services").body());
        }
    }

    private static Void sendAllButTheEnd(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /svc/upload HTTP/1.1\r\nHost: gw\r\nContent-Length: " + DECLARED + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        for (int left = DECLARED - HELD_BACK; left > 0; left -= BYTES.length) out.write(BYTES, 0, Math.min(BYTES.length, left));
        out.flush();
        return null;
    }

    @Test
    @Tag("contract") // run on every stack (benchmarks/variants): Launched runs gateway.Main on the test class path, with its stack
    void connectionsBeyondMaxConnectionsAreClosedUnansweredUntilOneEnds() throws Exception {
        try (Launched gw = Launched.start(null, Map.of(), "--bind", "127.0.0.1", "--port", "0", "--max-connections", "5")) {
            URI uri = gw.awaitListening();
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) idle.add(new Socket(uri.getHost(), uri.getPort()));
                assertEquals("", health(uri), "a sixth connection is closed without an answer");
                idle.remove(0).close();
                Await.until(Duration.ofSeconds(10), "a new connection is answered once one has closed",
                        () -> health(uri).startsWith("HTTP/1.1 200"));
                assertFalse(gw.stderrText().contains("is not in force"), gw.stderrText());
            } finally {
                for (Socket socket : idle) socket.close();
            }
        }
    }

    /** GET /health on a new connection: the raw answer, or "" when the connection is closed unanswered. */
    private static String health(URI uri) {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            try {
                socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: gw\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                return ""; // already closed by the gateway
            }
            return ClientBodyTest.response(socket);
        } catch (SocketTimeoutException e) {
            return "no answer within 10 s";
        } catch (IOException e) {
            return "";
        }
    }
}
