package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which HTTP stack the gateway runs on: the JDK's in its own jar, a variant's in the variant's
 * (benchmarks/variants/NAME, whose build names it in the property gateway.stack), so that the
 * contract tests that follow prove something about that stack and not the default's.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class StackTest {

    @Test
    void theGatewayRunsOnTheStackItsBuildBrings() throws Exception {
        String expected = System.getProperty("gateway.stack", "jdk");
        assertEquals(expected, Stack.load().name());
        try (LogCapture log = LogCapture.of(Gateway.class);
             Gateway gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0"), Map.of()))) {
            assertEquals(1, log.messages(Level.INFO, ", stack " + expected + ",").size(), "the start line names it");
        }
    }
}
