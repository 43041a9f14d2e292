package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The client timeout on the watch's own clock: a stalled body read is cut off at the limit, not a tick before. */
class BodyWatchTest {

    /** The request body as the server reads it, showing how many bytes had come when the current read began. */
    static final class Reads extends InputStream {
        final InputStream in;
        final AtomicLong delivered = new AtomicLong();
        /** Bytes delivered before the read now waiting began; -1 while none is. */
        volatile long waitingAfter = -1;

        Reads(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            waitingAfter = delivered.get(); // ClientStream has noted when this read began
            try {
                int n = in.read(b, off, len);
                if (n > 0) delivered.addAndGet(n);
                return n;
            } finally {
                waitingAfter = -1;
            }
        }
    }

    @Test
    void aStalledBodyReadIsCutOffWhenTheClockReachesTheLimitSinceTheLastBytes() throws Exception {
        TestClock clock = new TestClock();
        Reads[] reads = new Reads[1];
        try (BodyWatch watch = new BodyWatch(Duration.ofSeconds(10), clock); // ticks every second
             Backend server = Backend.start(exchange -> {
                 reads[0] = new Reads(exchange.getRequestBody());
                 exchange.setStreams(reads[0], null);
                 ClientStream body = watch.open(new JdkExchange(exchange));
                 try {
                     body.readAllBytes();
                 } finally {
                     body.end();
                 }
             });
             Socket socket = new Socket("127.0.0.1", server.server.getAddress().getPort())) {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345".getBytes(StandardCharsets.ISO_8859_1));
            Await.until(Duration.ofSeconds(10), "a read waits after 5 bytes", () -> reads[0] != null && reads[0].waitingAfter == 5);

            int sleeps = clock.awaitSleeps(1).size(); // the watch's first tick is due
            for (int second = 1; second < 10; second++) {
                clock.advance(Duration.ofSeconds(1));
                clock.awaitSleeps(++sleeps); // the watch has looked, and waits for its next tick
                assertEquals(0, watch.cutOff(), "cut off after " + second + " s of a 10 s limit");
            }
            socket.getOutputStream().write('6'); // the client's next byte, 9 s after the 5th: the wait starts over
            Await.until(Duration.ofSeconds(10), "a read waits after 6 bytes", () -> reads[0].waitingAfter == 6);
            for (int second = 1; second < 10; second++) {
                clock.advance(Duration.ofSeconds(1));
                clock.awaitSleeps(++sleeps);
                assertEquals(0, watch.cutOff(), "cut off " + second + " s after the 6th byte");
            }
            clock.advance(Duration.ofSeconds(1));
            clock.awaitSleeps(++sleeps);
            assertEquals(1, watch.cutOff(), "10 s after the 6th byte");
            String answer = ClientBodyTest.response(socket);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("no bytes of the request body for 10000 ms"), answer);
        }
    }
}
