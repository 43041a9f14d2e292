package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Where errors become statuses: a bug is a 500 without a trace, a broken request body a dropped connection. */
@Tag("contract") // run on every stack (benchmarks/variants)
class ErrorBoundaryTest {

    final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    private Client start(Store store) throws Exception {
        Gateway gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0"), Map.of()), store);
        closing.add(gateway);
        return new Client(gateway.uri());
    }

    /** A memory store whose registry() fails as a bug would: not a Store.Unavailable. */
    private static Store buggyRegistry() {
        return GatewayLifecycleTest.around(new MemoryStore(), method -> {
            if (method.equals("registry")) throw new IllegalStateException("a bug in the store");
        });
    }

    @Test
    void aBugIsA500WithoutDetailsAndASevereLog() throws Exception {
        Client client = start(buggyRegistry());
        try (LogCapture log = LogCapture.of(Router.class)) {
            var response = client.get("/services");
            assertEquals(500, response.statusCode());
            assertEquals("{\"error\":\"internal error\"}", response.body());
            assertEquals(1, log.messages(Level.SEVERE, "bug: unexpected error on /services").size());
        }
        assertEquals(200, client.get("/health").statusCode(), "and the gateway goes on");
    }

    @Test
    void aRequestBodyThatCannotBeReadIsA400AndTheConnectionIsClosedInsteadOfLeftHanging() throws Exception {
        Client client = start(new MemoryStore());
        Backend replica = Backend.named("one");
        closing.add(replica);
        client.register("svc", replica.address());
        try (Socket socket = new Socket(client.base.getHost(), client.base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("PUT /svc/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "not-a-chunk-size\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String response = ClientBodyTest.response(socket);
            assertTrue(response.startsWith("HTTP/1.1 400 ") && response.contains("Connection: close"), response);
            assertEquals(-1, socket.getInputStream().read(), "closed by the gateway; a SocketTimeoutException means it was left open");
        }
        assertEquals(0, replica.hits.get());
    }
}
