package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** No virtual thread of the gateway is pinned to its carrier while proxying (JFR jdk.VirtualThreadPinned). */
class PinningTest {

    @Test
    void proxyingUnderConcurrencyPinsNoVirtualThread() throws Exception {
        Path dump = Files.createTempFile("pinning", ".jfr");
        try (Backend a = Backend.named("a"); Backend b = Backend.named("b");
             Gateway gateway = Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0"), Map.of()));
             Recording recording = new Recording()) {
            Client client = new Client(gateway.uri());
            client.register("svc", a.address());
            client.register("svc", b.address());
            client.register("svc", Backend.refusing()); // the failure path too
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                calls.add(() -> (n % 2 == 0 ? client.get("/svc/x") : client.send("POST", "/svc/y", "body")).statusCode());
            }
            try (var pool = Executors.newFixedThreadPool(32)) {
                // A thread that loads or initialises a class is pinned while it does; that happens
                // once per class, so warm up first and check the steady state.
                for (Future<Integer> f : pool.invokeAll(calls)) assertEquals(200, f.get());
                recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
                recording.start();
                for (Future<Integer> f : pool.invokeAll(calls)) assertEquals(200, f.get());
                recording.stop();
            }
            recording.dump(dump);
            List<String> pinned = new ArrayList<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(dump)) pinned.add(String.valueOf(e.getStackTrace()));
            assertTrue(pinned.isEmpty(), "pinned virtual threads: " + pinned);
        } finally {
            Files.deleteIfExists(dump);
        }
    }
}
