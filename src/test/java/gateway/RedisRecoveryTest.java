package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two gateways on one real redis-server and one TestClock: one probe per due replica, and both see it return. */
@Tag("contract") // run on every stack (benchmarks/variants)
class RedisRecoveryTest {

    static final Duration AWAIT = Duration.ofSeconds(10);

    final List<AutoCloseable> closing = new ArrayList<>();
    final TestClock clock = new TestClock();
    RedisServer redis;

    Gateway gateway(String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--store", redis.url(),
                "--resync-ms", RedisGatewayTest.NO_RESYNC));
        args.addAll(List.of(flags));
        Config config = Config.parse(args, Map.of());
        Gateway g = Gateway.start(config, Gateway.openStore(config), clock);
        closing.add(g);
        return g;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
        if (redis != null) redis.close();
    }

    @Test
    void twoGatewaysProbeAnEjectedReplicaOnceAndBothSeeItReturn() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway a = gateway("--failure-threshold", "1");
        Gateway b = gateway("--failure-threshold", "1");
        Backend good = Backend.named("good");
        closing.add(good);
        AtomicBoolean down = new AtomicBoolean(true);
        Backend flaky = Backend.start(exchange -> {
            exchange.getRequestBody().readAllBytes();
            Backend.reply(exchange, down.get() ? 503 : 200, "flaky");
        });
        closing.add(flaky);
        Client viaA = new Client(a.uri());
        viaA.register("svc", good.address());
        viaA.register("svc", flaky.address());
        Await.until(AWAIT, "b sees both", () -> RedisGatewayTest.replicas(b, "svc").size() == 2);

        for (int i = 0; i < 4; i++) assertEquals(200, viaA.get("/svc/").statusCode());
        Await.until(AWAIT, "b sees the ejection", () -> RedisGatewayTest.replicas(b, "svc").equals(Set.of(good.address())));
        assertEquals(202, new Client(b.uri()).register("svc", flaky.address()).statusCode(), "held, through either gateway");

        down.set(false);
        int hits = flaky.hits.get();
        Await.until(AWAIT, "both gateways route to it again", () -> {
            if (RedisGatewayTest.replicas(a, "svc").size() == 2 && RedisGatewayTest.replicas(b, "svc").size() == 2) return true;
            clock.advance(Duration.ofSeconds(5));
            return false;
        });
        assertEquals(1, flaky.hits.get() - hits, "one probe between two gateways");
        assertEquals(1, a.prober().probes() + b.prober().probes());
        for (int i = 0; i < 4; i++) assertEquals(200, new Client(b.uri()).get("/svc/").statusCode());
    }
}
