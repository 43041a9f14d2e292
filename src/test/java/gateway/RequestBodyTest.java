package gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link RequestBody} keeps for a retry, what it streams, and that every byte it reserves
 * goes back to the budget: a real server reads bodies sent over a raw socket, in both framings.
 */
class RequestBodyTest {

    private static final int KEEP = 2 * RequestBody.PIECE + 5;

    private HttpServer server;
    private BodyWatch watch;
    private RetryBudget budget;
    private volatile CompletableFuture<Seen> seen;
    /** Whether a replica "answers" before the request ends; when none does (every attempt failed), only end() runs. */
    private volatile boolean answered = true;

    /** What the handler saw of one body. */
    record Seen(boolean replayable, long reservedAfterRead, byte[] firstSend, byte[] secondSend,
                long reservedAfterAnswer, long reservedAfterEnd, int watchedAfterEnd, Exception failure) {}

    @BeforeEach
    void start() throws IOException {
        watch = new BodyWatch(Duration.ofSeconds(30), Clock.SYSTEM);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                RequestBody body;
                try {
                    body = RequestBody.read(new JdkExchange(exchange), KEEP, budget, watch);
                } catch (IOException | RuntimeException e) {
                    seen.complete(new Seen(false, budget.reserved(), null, null, -1, -1, watch.watching(), e));
                    return;
                }
                long afterRead = budget.reserved();
                byte[] first = drain(body.publisher());
                boolean replayable = body.replayable(); // after a send: a streamed body is used up by it
                byte[] second = replayable ? drain(body.publisher()) : null;
                if (answered) body.answer();
                long afterAnswer = budget.reserved();
                body.end();
                seen.complete(new Seen(replayable, afterRead, first, second, afterAnswer, budget.reserved(),
                        watch.watching(), null));
                exchange.sendResponseHeaders(204, -1);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        watch.close();
    }

    @ParameterizedTest(name = "{0} bytes, chunked")
    @ValueSource(ints = {0, 1, RequestBody.PIECE - 1, RequestBody.PIECE, RequestBody.PIECE + 1, 2 * RequestBody.PIECE,
            KEEP - 1, KEEP})
    void aChunkedBodyThatFitsIsKeptWholeAndReplayedByteForByte(int size) throws Exception {
        budget = new RetryBudget(1 << 20);
        byte[] sent = bytes(size);

        Seen s = send(sent, true);

        assertTrue(s.replayable(), "a body within the keep limit can be sent again");
        assertEquals(size, s.reservedAfterRead(), "exactly the body's bytes are held for a retry");
        assertArrayEquals(sent, s.firstSend());
        assertArrayEquals(sent, s.secondSend(), "a retry sends the same bytes");
        assertEquals(0, s.reservedAfterAnswer(), "once a replica answers, no retry can need the bytes");
        assertEquals(0, s.reservedAfterEnd());
        assertEquals(0, s.watchedAfterEnd(), "an ended body is no longer watched");
    }

    @ParameterizedTest(name = "{0} bytes, chunked")
    @ValueSource(ints = {KEEP + 1, KEEP + 2, 3 * KEEP})
    void aChunkedBodyLargerThanTheKeepLimitIsStreamedWholeOnce(int size) throws Exception {
        budget = new RetryBudget(1 << 20);
        byte[] sent = bytes(size);

        Seen s = send(sent, true);

        assertTrue(!s.replayable(), "a body beyond the keep limit can be sent only once");
        assertEquals(KEEP, s.reservedAfterRead(), "the kept head is held until the answer");
        assertArrayEquals(sent, s.firstSend(), "the kept head, then the rest from the client");
        assertEquals(0, s.reservedAfterAnswer());
        assertEquals(0, s.reservedAfterEnd());
        assertEquals(0, s.watchedAfterEnd());
    }

    @Test
    void aRequestThatNoReplicaAnsweredGivesBackItsBodyAtTheEnd() throws Exception {
        budget = new RetryBudget(1 << 20);
        answered = false;

        Seen s = send(bytes(KEEP), true);

        assertEquals(KEEP, s.reservedAfterAnswer(), "kept while another attempt may still send it");
        assertEquals(0, s.reservedAfterEnd());
        assertEquals(0, s.watchedAfterEnd());
    }

    @Test
    void aChunkedBodyKeepsOnlyWhatTheBudgetHasRoomForAndStreamsTheRest() throws Exception {
        budget = new RetryBudget(RequestBody.PIECE + 3);
        byte[] sent = bytes(KEEP - 1);

        Seen s = send(sent, true);

        assertTrue(!s.replayable());
        assertEquals(RequestBody.PIECE, s.reservedAfterRead(), "one whole piece fitted, the next did not");
        assertArrayEquals(sent, s.firstSend());
        assertEquals(0, s.reservedAfterEnd());
    }

    @ParameterizedTest(name = "Content-Length {0}")
    @ValueSource(ints = {1, KEEP - 1, KEEP})
    void aBodyWithAContentLengthWithinTheKeepLimitIsKept(int size) throws Exception {
        budget = new RetryBudget(1 << 20);
        byte[] sent = bytes(size);

        Seen s = send(sent, false);

        assertTrue(s.replayable());
        assertEquals(size, s.reservedAfterRead());
        assertArrayEquals(sent, s.secondSend());
        assertEquals(0, s.reservedAfterAnswer());
        assertEquals(0, s.watchedAfterEnd());
    }

    @Test
    void aBodyWithAContentLengthBeyondTheKeepLimitIsStreamedAndHoldsNoBudget() throws Exception {
        budget = new RetryBudget(1 << 20);
        byte[] sent = bytes(KEEP + 1);

        Seen s = send(sent, false);

        assertTrue(!s.replayable());
        assertEquals(0, s.reservedAfterRead());
        assertArrayEquals(sent, s.firstSend());
    }

    @Test
    void aClientThatHangsUpMidBodyGivesBackEverythingItsBodyHeld() throws Exception {
        budget = new RetryBudget(1 << 20);
        seen = new CompletableFuture<>();
        try (Socket socket = new Socket(server.getAddress().getAddress(), server.getAddress().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(RequestBody.PIECE + 10) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes(RequestBody.PIECE + 10)); // a whole piece and then some, but never the chunk's end
            out.flush();
        }

        Seen s = seen.get(10, TimeUnit.SECONDS);

        assertInstanceOf(ClientStream.Gone.class, s.failure());
        assertEquals(0, s.reservedAfterRead(), "a failed read gives back what it had reserved");
        assertEquals(0, s.watchedAfterEnd(), "and its stream is no longer watched");
    }

    private Seen send(byte[] body, boolean chunked) throws Exception {
        seen = new CompletableFuture<>();
        try (Socket socket = new Socket(server.getAddress().getAddress(), server.getAddress().getPort())) {
            OutputStream out = socket.getOutputStream();
            String head = "POST / HTTP/1.1\r\nHost: x\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n") + "\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            if (chunked) {
                // uneven chunks, so that chunk edges and the body's pieces do not line up
                for (int at = 0; at < body.length; ) {
                    int n = Math.min(7000, body.length - at);
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, at, n);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    at += n;
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write(body);
            }
            out.flush();
            Seen s = seen.get(10, TimeUnit.SECONDS);
            if (s.failure() != null) throw s.failure();
            return s;
        }
    }

    private static byte[] bytes(int size) {
        IntFunction<Byte> at = i -> (byte) (i * 31 + i / 251);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = at.apply(i);
        return b;
    }

    /** Every byte a publisher sends, the way the upstream client would take them. */
    private static byte[] drain(BodyPublisher publisher) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) { s.request(Long.MAX_VALUE); }
            @Override public void onNext(ByteBuffer item) {
                byte[] b = new byte[item.remaining()];
                item.get(b);
                out.writeBytes(b);
            }
            @Override public void onError(Throwable t) { done.completeExceptionally(t); }
            @Override public void onComplete() { done.complete(out.toByteArray()); }
        });
        return done.join();
    }
}
