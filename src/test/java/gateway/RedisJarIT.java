package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two packaged gateways on one real Redis, black-box: the key layout, sharing, a gateway restart,
 * and Redis killed and restarted while traffic flows.
 */
class RedisJarIT {

    @Test
    void twoJarsShareOneRedisAndRideOutItsCrash() throws Exception {
        try (RedisServer redis = RedisServer.startDurableOrSkip();
             Backend one = Backend.named("one");
             Backend two = Backend.named("two");
             Launched a = Launched.start(JarIT.JAR, Map.of("GATEWAY_STORE", redis.url()), "--bind", "127.0.0.1", "--port", "0")) {
            URI aUri = a.awaitListening();
            Client viaA = new Client(aUri);
            assertEquals(201, viaA.register("client-service", one.address()).statusCode());
            assertEquals(201, viaA.register("client-service", two.address()).statusCode());
            try (var jedis = redis.client()) {
                assertEquals(Set.of(one.address(), two.address()), jedis.smembers("client-service"));
                assertEquals(Set.of("client-service"), jedis.smembers("gateway:services"));
                assertEquals("set", jedis.type("client-service"));
            }

            try (Launched b = Launched.start(JarIT.JAR, Map.of("GATEWAY_STORE", redis.url()), "--bind", "127.0.0.1", "--port", "0")) {
                Client viaB = new Client(b.awaitListening());
                assertEquals(Set.of("one", "two"), Set.of(viaB.get("/client-service/").body(), viaB.get("/client-service/").body()),
                        "b routes what a registered, round-robin, as soon as it is up");

                redis.kill();
                for (int i = 0; i < 50; i++) {
                    assertEquals(200, viaB.get("/client-service/").statusCode(), "traffic goes on while Redis is dead");
                }
                assertEquals(503, viaB.register("client-service", "h:1").statusCode(), "no 2xx for what cannot be stored");
                redis.start();
                Await.until(Duration.ofSeconds(10), "b writes again",
                        () -> status(() -> viaB.register("late", one.address()).statusCode()) == 201);
                Await.until(Duration.ofSeconds(10), "a hears of it", () -> status(() -> viaA.get("/late/").statusCode()) == 200);
                assertTrue(viaA.get("/services").body().contains(two.address()), "registered before the crash, still there");
                for (Launched gw : new Launched[] {a, b}) {
                    assertTrue(!gw.stderrText().contains("SLF4J"), "Jedis logs through the binding, not SLF4J's warnings:\n" + gw.stderrText());
                }
            }
        }
    }

    private static int status(java.util.concurrent.Callable<Integer> call) {
        try {
            return call.call();
        } catch (Exception e) {
            return -1;
        }
    }
}
