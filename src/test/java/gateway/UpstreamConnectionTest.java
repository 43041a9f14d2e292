package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How the proxy uses its upstream connections: a failed attempt does not keep its connection. */
@Tag("contract") // run on every stack (benchmarks/variants)
class UpstreamConnectionTest {

    final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    /**
     * A keep-alive HTTP/1.1 replica on a raw socket that answers every request with {@code answer}
     * and counts the connections it holds open. Bodiless requests only.
     */
    static final class CountingReplica implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        private final Thread acceptor;

        CountingReplica(byte[] bytes) throws IOException {
            acceptor = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        open.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(socket, bytes));
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
        }

        private void serve(Socket socket, byte[] answer) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                while (readHead(in)) {
                    requests.incrementAndGet();
                    out.write(answer);
                    out.flush();
                }
            } catch (IOException e) {
                // the gateway closed the connection
            } finally {
                open.decrementAndGet();
            }
        }

        /** Reads one request head; false at the end of the stream. */
        private static boolean readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) return true;
            }
            return false;
        }

        String address() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @ParameterizedTest(name = "--upstream {0}")
    @ValueSource(strings = {"httpclient", "sockets"})
    void failedAttemptsDoNotHoldTheirUpstreamConnections(String upstream) throws Exception {
        Gateway gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--failure-threshold", "1000",
                "--upstream", upstream), Map.of()));
        closing.add(gateway);
        // A 503 with a body too large to read whole (a full error page): the proxy streams such a
        // body and never reads it, so the attempt holds its connection until it closes the body.
        byte[] page = ("HTTP/1.1 503 Service Unavailable\r\nContent-Length: " + (1 << 20) + "\r\n\r\n" + "x".repeat(1 << 20))
                .getBytes(StandardCharsets.ISO_8859_1);
        CountingReplica unavailable = new CountingReplica(page);
        closing.add(unavailable);
        Backend good = Backend.named("good");
        closing.add(good);
        Client client = new Client(gateway.uri());
        client.register("svc", unavailable.address());
        client.register("svc", good.address());
        for (int i = 0; i < 40; i++) assertEquals("good", client.get("/svc/x").body(), "request " + i);
        assertEquals(20, unavailable.requests.get(), "every other request starts at the failing replica");
        Await.until(Duration.ofSeconds(10), "the failed attempts' upstream connections are released",
                () -> unavailable.open.get() <= 2);
    }
}
