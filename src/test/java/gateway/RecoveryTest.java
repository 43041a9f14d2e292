package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The replica life cycle over real sockets, time moved by a TestClock: ejected, probed, back;
 * a heartbeat that does not undo an ejection; a service that keeps its last replica; and a
 * prober that fails and is restarted.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class RecoveryTest extends GatewayTest {

    static final Duration AWAIT = Duration.ofSeconds(10);

    final TestClock clock = new TestClock();

    /** A replica that answers 200 with its name, or 503 (to requests and probes alike) while {@code down}. */
    record Switchable(Backend backend, AtomicBoolean down) {
        String address() {
            return backend.address();
        }
    }

    Switchable switchable(String name) throws IOException {
        AtomicBoolean down = new AtomicBoolean();
        Backend backend = closeLater(Backend.start(exchange -> {
            exchange.getRequestBody().readAllBytes();
            Backend.reply(exchange, down.get() ? 503 : 200, down.get() ? "down" : name);
        }));
        return new Switchable(backend, down);
    }

    JsonNode service(String name) throws Exception {
        for (JsonNode s : Client.JSON.readTree(client.get("/services").body()).get("services")) {
            if (s.get("name").asText().equals(name)) return s;
        }
        throw new AssertionError("no service " + name);
    }

    List<String> routable(String service) {
        Replicas rr = gateway.registry().snapshot().get(service);
        return rr == null ? List.of() : rr.replicas().stream().map(Address::url).sorted().toList();
    }

    /** GETs through the gateway; every one must succeed, as long as one replica is healthy. */
    void getsAllSucceed(int n) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < n; i++) statuses.add(client.get("/svc/").statusCode());
        assertEquals(java.util.Collections.nCopies(n, 200), statuses, "client-visible errors");
    }

    /** Moves the clock by {@code step} until {@code condition} holds (the prober ticks on it). */
    void advanceUntil(Duration step, String what, java.util.function.BooleanSupplier condition) {
        Await.until(AWAIT, what, () -> {
            if (condition.getAsBoolean()) return true;
            clock.advance(step);
            return condition.getAsBoolean();
        });
    }

    @Test
    void aReplicaThatDiesIsEjectedProbedLongerWhileDeadAndBackInRotationWithoutReRegistering() throws Exception {
        startGateway(clock, "--failure-threshold", "2");
        Switchable good = switchable("good");
        Switchable flaky = switchable("flaky");
        client.register("svc", good.address());
        client.register("svc", flaky.address());

        flaky.down().set(true);
        getsAllSucceed(6);
        assertEquals(List.of(good.address()), routable("svc"), "ejected");
        JsonNode ejected = service("svc").get("ejected").get(0);
        assertEquals(flaky.address(), ejected.get("address").asText());
        assertEquals(1, ejected.get("ejections").asInt());
        long firstWait = ejected.get("probeInMs").asLong();
        assertTrue(firstWait > 24_000 && firstWait <= 30_000, "30 s less jitter: " + firstWait);

        int hitsBefore = flaky.backend().hits.get();
        clock.advance(Duration.ofMillis(firstWait));
        advanceUntil(Duration.ofSeconds(1), "a failed probe", () -> ejections("svc") == 2);
        assertEquals(hitsBefore + 1, flaky.backend().hits.get(), "one probe");
        long secondWait = probeIn("svc");
        assertTrue(secondWait > 48_000 - 1_000 && secondWait <= 60_000, "doubled: " + secondWait);
        assertEquals(List.of(good.address()), routable("svc"), "still out");

        flaky.down().set(false);
        clock.advance(Duration.ofMillis(secondWait));
        advanceUntil(Duration.ofSeconds(1), "the replica back in rotation", () -> routable("svc").size() == 2);
        JsonNode back = service("svc");
        assertEquals(0, back.get("ejected").size());
        for (JsonNode r : back.get("replicas")) {
            assertEquals("active", r.get("state").asText());
            assertEquals(r.get("address").asText().equals(flaky.address()) ? 2 : 0, r.get("ejections").asInt(), "recovering: " + r);
        }
        getsAllSucceed(6);
        Await.until(AWAIT, "a run of successes clears its ejection count", () -> {
            try {
                gateway.prober().tick(); // the breaker learns it is recovering from the prober's read
                getsAllSucceed(2);
                return maxEjections("svc") == 0;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private int ejections(String service) {
        try {
            JsonNode ejected = service(service).get("ejected");
            return ejected.isEmpty() ? 0 : ejected.get(0).get("ejections").asInt();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private long probeIn(String service) throws Exception {
        return service(service).get("ejected").get(0).get("probeInMs").asLong();
    }

    private int maxEjections(String service) throws Exception {
        int max = 0;
        for (JsonNode r : service(service).get("replicas")) max = Math.max(max, r.get("ejections").asInt());
        return max;
    }

    @Test
    void aHeartbeatOfAnEjectedReplicaGets202AndDoesNotPutItBackInRouting() throws Exception {
        startGateway(clock, "--failure-threshold", "1");
        Switchable good = switchable("good");
        Switchable sick = switchable("sick");
        client.register("svc", good.address());
        client.register("svc", sick.address());
        sick.down().set(true);
        getsAllSucceed(4);
        assertEquals(List.of(good.address()), routable("svc"));

        HttpResponse<String> heartbeat = client.register("svc", sick.address());

        assertEquals(202, heartbeat.statusCode(), heartbeat.body());
        JsonNode body = Client.JSON.readTree(heartbeat.body());
        assertTrue(body.get("ejected").asBoolean());
        assertTrue(body.get("message").asText().contains("after a passing probe"), body.toString());
        assertEquals(List.of(good.address()), routable("svc"), "a heartbeat alone does not undo the ejection");
        assertEquals(1, service("svc").get("ejected").size());
        getsAllSucceed(4);
    }

    @Test
    void aServiceWhoseReplicasAllFailKeepsOneProtectedAndItsRequestsStillTryIt() throws Exception {
        startGateway(clock, "--failure-threshold", "1");
        Switchable one = switchable("one");
        Switchable two = switchable("two");
        client.register("svc", one.address());
        client.register("svc", two.address());
        one.down().set(true);
        two.down().set(true);

        for (int i = 0; i < 4; i++) assertEquals(502, client.get("/svc/").statusCode());

        assertEquals(1, routable("svc").size(), "one of two ejected, the other kept");
        String kept = routable("svc").getFirst();
        JsonNode svc = service("svc");
        assertEquals("protected", svc.get("replicas").get(0).get("state").asText());
        assertTrue(svc.get("replicas").get(0).get("failures").asLong() >= 2, "still counted: " + svc);
        assertEquals(1, svc.get("ejected").size());
        Switchable keptOne = kept.equals(one.address()) ? one : two;
        int hits = keptOne.backend().hits.get();
        keptOne.down().set(false);
        assertEquals(200, client.get("/svc/").statusCode(), "requests still try the protected replica");
        assertEquals(hits + 1, keptOne.backend().hits.get());
        assertEquals("active", service("svc").get("replicas").get(0).get("state").asText(), "its success reset it");
    }

    @Test
    void withAllowEmptyServiceTheLastReplicaIsEjectedAndTheServiceStillListed() throws Exception {
        startGateway(clock, "--failure-threshold", "1", "--allow-empty-service");
        Switchable only = switchable("only");
        client.register("svc", only.address());
        only.down().set(true);

        assertEquals(502, client.get("/svc/").statusCode());

        assertEquals(List.of(), routable("svc"));
        assertEquals(503, client.get("/svc/").statusCode());
        JsonNode svc = service("svc");
        assertEquals(0, svc.get("replicas").size());
        assertEquals(only.address(), svc.get("ejected").get(0).get("address").asText());
    }

    @Test
    void aFailingProberIsRestartedAndProbesAgain() throws Exception {
        CountingStore store = new CountingStore(new MemoryStore());
        Config config = Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--failure-threshold", "1"), Map.of());
        gateway = closeLater(Gateway.start(config, store, clock));
        client = new Client(gateway.uri());
        Switchable good = switchable("good");
        Switchable flaky = switchable("flaky");
        client.register("svc", good.address());
        client.register("svc", flaky.address());
        flaky.down().set(true);
        getsAllSucceed(4);
        flaky.down().set(false);

        store.down.set(true);
        advanceUntil(Duration.ofSeconds(1), "the prober failed and was restarted", () -> gateway.prober().restarts() >= 2);
        assertEquals(0, gateway.prober().probes(), "no probe while the store is down");
        store.down.set(false);
        advanceUntil(Duration.ofSeconds(5), "back after a probe", () -> routable("svc").size() == 2);
        assertEquals(1, gateway.prober().probes());
    }

    @Test
    void eachEjectionIsLoggedWithItsProbeTimeAndAKeptReplicaOnceAtTheThreshold() throws Exception {
        try (LogCapture log = LogCapture.of(Breaker.class)) {
            startGateway(clock, "--failure-threshold", "2");
            Switchable a = switchable("a");
            Switchable b = switchable("b");
            Switchable c = switchable("c");
            for (Switchable r : List.of(a, b, c)) client.register("svc", r.address());

            a.down().set(true);
            getsAllSucceed(6);
            b.down().set(true); // one of three is out already: the guard keeps b
            getsAllSucceed(12);

            String aUrl = Address.parse(a.address()).url();
            String bUrl = Address.parse(b.address()).url();
            List<String> evicted = log.messages(Level.WARNING, "evicted");
            assertEquals(1, evicted.size(), evicted.toString());
            assertTrue(evicted.get(0).startsWith("evicted " + aUrl + " from svc after 2 consecutive failures"), evicted.get(0));
            assertTrue(evicted.get(0).contains("; ejection 1, probed in "), "an operator learns when it is tried again: " + evicted.get(0));
            List<String> kept = log.messages(Level.WARNING, "kept");
            assertEquals(1, kept.size(), "once, when the run reaches the threshold, not at every failure after: " + kept);
            assertTrue(kept.get(0).startsWith("kept " + bUrl + " in svc after 2 consecutive failures"), kept.get(0));
        }
    }
}
