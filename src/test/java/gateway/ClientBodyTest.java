package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Clients that send their bodies slowly, stall or hang up: the replica is never blamed for them,
 * and their waiting never uses up the deadline of the attempts. Raw sockets, real replicas.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class ClientBodyTest extends GatewayTest {

    static final int MiB = 1 << 20;

    /** A replica that reads (and drops) the whole body, then answers 200 "got N". */
    Backend draining(AtomicInteger uploadsEnded) throws IOException {
        return closeLater(Backend.start(exchange -> {
            long n;
            try {
                n = exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            } finally {
                uploadsEnded.incrementAndGet();
            }
            Backend.reply(exchange, 200, "got " + n);
        }));
    }

    /** A raw client connection that sends a request head declaring {@code length} body bytes. */
    Socket upload(String method, String path, long length) throws IOException {
        Socket socket = closeLater(new Socket(gateway.uri().getHost(), gateway.uri().getPort()));
        socket.setSoTimeout(15_000);
        String head = method + " " + path + " HTTP/1.1\r\nHost: gw\r\nContent-Length: " + length + "\r\n\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    static void send(Socket socket, long bytes) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        OutputStream out = socket.getOutputStream();
        for (long left = bytes; left > 0; left -= chunk.length) out.write(chunk, 0, (int) Math.min(chunk.length, left));
        out.flush();
    }

    /** Reads one response (head, then its Content-Length body); "" when the connection ends first. */
    static String response(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                b = -1; // reset by the gateway
            }
            if (b < 0) return got.toString(StandardCharsets.ISO_8859_1);
            got.write(b);
        }
        String head = got.toString(StandardCharsets.ISO_8859_1);
        var length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$").matcher(head);
        byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
        return head + new String(body, StandardCharsets.UTF_8);
    }

    String services() throws Exception {
        return client.get("/services").body();
    }

    String healthy(Backend replica) {
        return "{\"services\":[{\"name\":\"svc\",\"replicas\":[{\"address\":\"" + replica.address() + "\",\"failures\":0,\"state\":\"active\",\"ejections\":0}],\"ejected\":[]}],\"store\":\"UP\"}";
    }

    @Test
    void anAbandonedUploadIsNotCountedAgainstTheReplica() throws Exception {
        startGateway("--failure-threshold", "3");
        AtomicInteger uploadsEnded = new AtomicInteger();
        Backend replica = draining(uploadsEnded);
        client.register("svc", replica.address());
        for (int i = 0; i < 4; i++) {
            Socket socket = upload("POST", "/svc/upload", 3L * MiB); // above what is kept for retry: streamed
            send(socket, 3L * MiB / 2);
            socket.shutdownOutput(); // the client hangs up mid-body
            // the gateway has finished with the request (and reported whatever it reports) once it
            // drops the connection; whatever it may have said before that does not matter here
            try {
                socket.getInputStream().readAllBytes();
            } catch (IOException e) {
                // reset: dropped all the same
            }
            socket.close();
        }
        assertEquals(healthy(replica), services(), "the replica was blamed for clients that hung up");
        assertEquals("got 5", client.send("POST", "/svc/x", "hello").body());
    }

    @Test
    void aSlowClientsBodyDoesNotUseUpTheDeadlineOfTheAttempts() throws Exception {
        startGateway("--request-timeout-ms", "1000", "--failure-threshold", "1");
        AtomicInteger uploadsEnded = new AtomicInteger();
        Backend replica = closeLater(Backend.start(exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            uploadsEnded.incrementAndGet();
            Backend.reply(exchange, 200, "got " + body.length);
        }));
        client.register("svc", replica.address());
        Socket socket = upload("POST", "/svc/slow", 10);
        Thread.sleep(1_500); // the client deliberately pauses longer than the request deadline
        send(socket, 10);
        String answer = response(socket);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.endsWith("got 10"), answer);
        assertEquals(healthy(replica), services());
    }

    @Test
    void bodyBytesTrickledWithinTheClientTimeoutStillSucceed() throws Exception {
        startGateway("--client-timeout-ms", "1000");
        AtomicInteger uploadsEnded = new AtomicInteger();
        Backend replica = draining(uploadsEnded);
        client.register("svc", replica.address());
        Socket socket = upload("PUT", "/svc/trickle", 10);
        for (int i = 0; i < 10; i++) {
            Thread.sleep(200); // each byte well within the limit; all of them together well past it
            send(socket, 1);
        }
        String answer = response(socket);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.endsWith("got 10"), answer);
    }

    @Test
    void aBodyStalledPastTheClientTimeoutGets408AndNoReplicaIsTried() throws Exception {
        startGateway("--client-timeout-ms", "500", "--failure-threshold", "1");
        AtomicInteger uploadsEnded = new AtomicInteger();
        Backend replica = draining(uploadsEnded);
        client.register("svc", replica.address());
        Socket socket = upload("POST", "/svc/stalled", 10);
        send(socket, 3); // and then nothing
        String answer = response(socket);
        assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
        assertTrue(answer.contains("{\"error\":\"no bytes of the request body for 500 ms"), answer);
        assertEquals(-1, socket.getInputStream().read(), "the connection is closed after the 408");
        assertEquals(0, replica.hits.get());
        assertEquals(healthy(replica), services());
    }

    @Test
    void aStreamedUploadThatStallsPastTheClientTimeoutGets408AndIsNotBlamedOnTheReplica() throws Exception {
        startGateway("--client-timeout-ms", "500", "--failure-threshold", "1");
        AtomicInteger uploadsEnded = new AtomicInteger();
        Backend replica = draining(uploadsEnded);
        client.register("svc", replica.address());
        Socket socket = upload("POST", "/svc/stalled", 3L * MiB);
        send(socket, 64 * 1024); // the upload to the replica has begun; then the client stalls
        String answer = response(socket);
        assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
        Await.until(java.time.Duration.ofSeconds(10), "the replica sees the upload end", () -> uploadsEnded.get() == 1);
        assertEquals(healthy(replica), services());
    }

    @Test
    void aStreamedUploadThatPausesPastTheDeadlineIsNotBlamedOnTheReplica() throws Exception {
        startGateway("--request-timeout-ms", "500", "--failure-threshold", "1");
        AtomicInteger uploadsEnded = new AtomicInteger();
        Backend replica = draining(uploadsEnded);
        client.register("svc", replica.address());
        Socket socket = upload("POST", "/svc/slow", 3L * MiB);
        send(socket, 64 * 1024); // the upload to the replica has begun
        Thread.sleep(1_500); // the client deliberately pauses past the deadline of the attempt
        send(socket, 16 * 1024); // and goes on (a little: more could meet a connection reset before the answer is read)
        String answer = response(socket);
        assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
        assertEquals(healthy(replica), services(), "the replica was blamed for the client's pause");
    }

    @Test
    void aBodyBeyondTheRetryBufferIsStreamedToOneReplicaWithoutRetry() throws Exception {
        startGateway("--retry-buffer-mb", "0", "--failure-threshold", "100");
        Backend unavailable = closeLater(Backend.status(503));
        Backend good = closeLater(Backend.named("good"));
        client.register("svc", unavailable.address());
        client.register("svc", good.address());
        List<Integer> puts = new ArrayList<>();
        for (int i = 0; i < 2; i++) puts.add(client.send("PUT", "/svc/doc", "small").statusCode());
        assertEquals(List.of(200, 502), puts.stream().sorted().toList(), "nothing kept, so nothing to send again");
    }

    @Test
    void aBodyNotKeptStillMovesOnWhenTheReplicaWasNeverReached() throws Exception {
        startGateway("--retry-buffer-mb", "0", "--failure-threshold", "100");
        Backend good = closeLater(Backend.named("good"));
        client.register("svc", Backend.refusing());
        client.register("svc", good.address());
        for (int i = 0; i < 4; i++) assertEquals(200, client.send("POST", "/svc/order", "body-" + i).statusCode());
        assertEquals(List.of("body-0", "body-1", "body-2", "body-3"),
                good.seen.stream().map(seen -> new String(seen.body(), StandardCharsets.UTF_8)).toList());
    }

    @Test
    void aSmallChunkedBodyIsKeptInPiecesAndSentAgainWhole() throws Exception {
        startGateway("--failure-threshold", "100");
        Backend unavailable = closeLater(Backend.status(503));
        Backend good = closeLater(Backend.named("good"));
        client.register("svc", unavailable.address());
        client.register("svc", good.address());
        byte[] body = new byte[5 * RequestBody.PIECE + 123]; // several pieces
        for (int i = 0; i < body.length; i++) body[i] = (byte) (i * 7);
        for (int i = 0; i < 2; i++) {
            var response = client.http.send(HttpRequest.newBuilder(gateway.uri().resolve("/svc/doc"))
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build(), // chunked
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
        }
        assertEquals(1, unavailable.hits.get(), "one of the two started on the unavailable replica and was sent again");
        for (Backend.Seen seen : good.seen) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(body, seen.body());
            assertEquals(String.valueOf(body.length), seen.headers().getFirst("Content-Length"));
        }
    }

    @Test
    void eachRequestGivesBackWhatItKeptForRetry() throws Exception {
        startGateway("--retry-buffer-mb", "1", "--failure-threshold", "100");
        Backend unavailable = closeLater(Backend.status(503));
        Backend good = closeLater(Backend.named("good"));
        client.register("svc", unavailable.address());
        client.register("svc", good.address());
        byte[] body = new byte[600 * 1024]; // two of these do not fit in 1 MiB at once
        for (int i = 0; i < 6; i++) {
            var response = client.http.send(HttpRequest.newBuilder(gateway.uri().resolve("/svc/doc"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), "request " + i + " was kept and retried");
        }
        assertEquals(3, unavailable.hits.get());
    }

    @Test
    void aRequestWhoseBodyWasAnsweredIsNoLongerWatched() throws Exception {
        startGateway();
        client.register("svc", closeLater(Backend.named("one")).address());
        for (int i = 0; i < 3; i++) {
            var response = client.http.send(HttpRequest.newBuilder(gateway.uri().resolve("/svc/doc"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1000])).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
        }
        // the watch would otherwise hold every body ever read, and look over each of them forever
        Await.until(Duration.ofSeconds(5), "no body watched", () -> gateway.bodyWatch().watching() == 0);
    }
}
