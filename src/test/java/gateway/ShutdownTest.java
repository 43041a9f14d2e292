package gateway;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Stopping the gateway: an idle one stops at once, whatever it served before. */
@Tag("contract") // run on every stack (benchmarks/variants)
class ShutdownTest {

    /** The grace a SIGTERM gives by default (--shutdown-grace-ms); the bug made every stop wait all of it. */
    static final Duration GRACE = Duration.ofMillis(Config.DEFAULT_SHUTDOWN_GRACE_MS);

    @ParameterizedTest(name = "declared length {0}")
    @ValueSource(longs = {0, 10 * Proxy.READ_WHOLE}) // 0: chunked; the other is streamed, not read whole
    void anIdleGatewayStopsAtOnceAfterAStreamedAnswerBrokeOff(long declared) throws Exception {
        try (Backend replica = Backend.start(exchange -> {
            exchange.sendResponseHeaders(200, declared);
            exchange.getResponseBody().write("partial".getBytes(StandardCharsets.UTF_8));
            exchange.getResponseBody().flush();
            throw new IOException("replica died mid-body");
        })) {
            Gateway gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0"), Map.of()));
            try {
                Client client = new Client(gateway.uri());
                client.register("svc", replica.address());
                assertThrows(IOException.class, () -> client.get("/svc/"), "the client sees a broken body");
                assertEquals(200, client.get("/health").statusCode());
            } finally {
                long start = System.nanoTime();
                gateway.close(GRACE);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                // generous: an idle stop takes ~0.1 s; the bug waited the whole grace
                assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "stopped after " + took.toMillis() + " ms");
            }
        }
    }
}
