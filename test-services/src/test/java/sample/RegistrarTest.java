package sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Registration, heartbeat and deregistration against a fake gateway over real sockets. */
class RegistrarTest {

    static final Duration LIMIT = Duration.ofSeconds(10);
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private Replica replica(FakeGateway gw, String... extra) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--gateway", gw.uri().toString()));
        args.addAll(List.of(extra));
        return Replica.start(Config.parse(args, Map.of()), log);
    }

    private String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    private static String body(Replica r) {
        return "{\"service\":\"sample\",\"address\":\"http://127.0.0.1:" + r.service().port() + "\"}";
    }

    @Test
    void registersItsAddressAndRetriesUntilTheGatewayAnswers2xx() throws Exception {
        try (FakeGateway gw = FakeGateway.answering(200, 503, 500, 201);
             Replica r = replica(gw, "--heartbeat-ms", "60000")) {
            Await.until(LIMIT, "three failed tries, then 201", () -> gw.calls("POST").size() >= 3);
            Await.until(LIMIT, "the log says registered", () -> log().contains("(201)"));
            for (FakeGateway.Call call : gw.calls("POST")) {
                assertEquals("/register", call.path());
                assertEquals(SampleService.JSON.readTree(body(r)), SampleService.JSON.readTree(call.body()));
                assertEquals(Optional.empty(), call.authorization());
            }
            assertTrue(log().contains("failed (status 503); again in 100 ms"), log());
            assertTrue(log().contains("failed (status 500); again in 200 ms"), log());
        }
    }

    @Test
    void a202ForAnEjectedAddressCountsAsRegistered() throws Exception {
        try (FakeGateway gw = FakeGateway.answering(202);
             Replica r = replica(gw, "--heartbeat-ms", "60000")) {
            Await.until(LIMIT, "registered (202)", () -> log().contains("registered http://127.0.0.1:" + r.service().port()));
            assertTrue(log().contains("(202)") && !log().contains("failed"), log());
        }
    }

    @Test
    void retriesWhileNothingListensAtTheGatewayAddress() throws Exception {
        int port;
        try (ServerSocket reserved = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = reserved.getLocalPort();
        }
        Config config = Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--gateway", "http://127.0.0.1:" + port), Map.of());
        try (Replica r = Replica.start(config, log)) {
            Await.until(LIMIT, "a failed try", () -> log().contains("failed (unreachable)"));
            try (FakeGateway gw = FakeGateway.onPort(port, 201)) {
                Await.until(LIMIT, "registered once the gateway listens", () -> log().contains("(201)"));
                assertEquals(body(r), gw.calls("POST").get(0).body());
            }
        }
    }

    @Test
    void theHeartbeatRegistersAgainEveryInterval() throws Exception {
        try (FakeGateway gw = FakeGateway.answering(200, 201);
             Replica r = replica(gw, "--heartbeat-ms", "20")) {
            Await.until(LIMIT, "five registrations", () -> gw.calls("POST").size() >= 5);
            assertTrue(gw.calls("POST").stream().allMatch(c -> c.body().equals(body(r))));
            assertTrue(gw.calls("DELETE").isEmpty());
        }
    }

    @Test
    void aReplicaTheGatewayDroppedIsRegisteredAgainByItsHeartbeat() throws Exception {
        // 201, heartbeats (200), then 201 again: the gateway had evicted it; the log says so
        try (FakeGateway gw = FakeGateway.answering(200, 201, 200, 201);
             Replica r = replica(gw, "--heartbeat-ms", "20")) {
            Await.until(LIMIT, "registered twice", () -> log().split("\\(201\\)", -1).length - 1 == 2);
            assertTrue(log().contains("registered http://127.0.0.1:" + r.service().port()), log());
        }
    }

    @Test
    void closeStopsTheHeartbeatAndDeregistersWithTheSameBody() throws Exception {
        try (FakeGateway gw = FakeGateway.answering(200, 201)) {
            Replica r = replica(gw, "--heartbeat-ms", "20");
            Await.until(LIMIT, "registered", () -> !gw.calls("POST").isEmpty());
            r.close();
            List<FakeGateway.Call> deletes = gw.calls("DELETE");
            assertEquals(1, deletes.size(), gw.calls.toString());
            assertEquals("/register", deletes.get(0).path());
            assertEquals(body(r), deletes.get(0).body());
            assertEquals("DELETE", gw.calls.get(gw.calls.size() - 1).method(), "no heartbeat after the DELETE");
            assertTrue(log().contains("deregistered"), log());
        }
    }

    @Test
    void theAdminTokenGoesWithEveryRegisterCall() throws Exception {
        try (FakeGateway gw = FakeGateway.answering(201)) {
            Replica r = replica(gw, "--admin-token", "s3cret", "--heartbeat-ms", "60000");
            Await.until(LIMIT, "registered", () -> !gw.calls("POST").isEmpty());
            r.close();
            assertEquals(2, gw.calls.size());
            assertTrue(gw.calls.stream().allMatch(c -> c.authorization().equals(Optional.of("Bearer s3cret"))), gw.calls.toString());
        }
    }

    @Test
    void theRegisteredAddressIsTheOneGivenNotTheBindAddress() throws Exception {
        try (FakeGateway gw = FakeGateway.answering(201);
             Replica r = replica(gw, "--address", "http://replica-1:8080/", "--service", "orders", "--heartbeat-ms", "60000")) {
            Await.until(LIMIT, "registered", () -> !gw.calls("POST").isEmpty());
            assertEquals("{\"service\":\"orders\",\"address\":\"http://replica-1:8080\"}", gw.calls("POST").get(0).body());
            assertEquals("http://replica-1:8080", r.service().replica(), "the replica is named after its address by default");
        }
    }

    @Test
    void withGatewayNoneNothingIsRegistered() throws Exception {
        try (Replica r = Replica.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--gateway", "none"), Map.of()), log)) {
            assertTrue(r.service().port() > 0);
        }
        assertEquals("", log());
    }
}
