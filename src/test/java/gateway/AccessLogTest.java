package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("contract") // run on every stack (benchmarks/variants)
class AccessLogTest extends GatewayTest {

    @Test
    void noAccessLogUnlessAskedFor() throws Exception {
        try (LogCapture log = LogCapture.of(AccessLog.class)) {
            startGateway();
            Backend good = closeLater(Backend.named("good"));
            client.register("shop", good.address());
            assertEquals(200, client.get("/shop/x").statusCode());
            assertEquals(List.of(), log.messages(Level.INFO, ""));
        }
    }

    @Test
    void oneLinePerProxiedRequestWithItsServiceReplicaStatusAndAttempts() throws Exception {
        try (LogCapture log = LogCapture.of(AccessLog.class)) {
            startGateway("--access-log");
            Backend good = closeLater(Backend.named("good"));
            client.register("shop", good.address());
            assertEquals(200, client.get("/shop/a/b?secret=1").statusCode());
            assertEquals(503, client.get("/nosuch/x").statusCode());
            // a request's line is written after its answer: await it; sorted, as the second line may come first
            Await.until(Duration.ofSeconds(10), "both lines written", () -> gateway.requestsInFlight() == 0);
            List<String> lines = log.messages(Level.INFO, "").stream().sorted(java.util.Comparator.reverseOrder()).toList();
            assertEquals(2, lines.size(), lines.toString());
            String url = Address.parse(good.address()).url();
            assertTrue(lines.get(0).matches("GET /shop/a/b service=shop replica=" + java.util.regex.Pattern.quote(url)
                    + " status=200 ms=\\d+ attempts=1"), lines.get(0));
            assertTrue(lines.get(1).matches("GET /nosuch/x service=- replica=- status=503 ms=\\d+ attempts=0"), lines.get(1));
        }
    }

    @Test
    void controlCharactersCannotStartANewLine() {
        assertEquals("/a\\x0d\\x0aGET\\x20/b\\x5c\\x7f\\xe9\\u20ac", AccessLog.printable("/a\r\nGET /b\\\u007f\u00e9\u20ac"));
        assertEquals("/plain/path%0D%0A", AccessLog.printable("/plain/path%0D%0A"));
    }
}
