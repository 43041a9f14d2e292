package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Gateways sharing one real redis-server: notices, eviction, restarts, outages, a stall, and a Redis that forgets. */
@Tag("contract") // run on every stack (benchmarks/variants)
class RedisGatewayTest {

    static final Duration PROPAGATION = Duration.ofSeconds(5);
    /** Resync so rare that a change can only arrive in time through a pub/sub notice. */
    static final String NO_RESYNC = "600000";

    final List<AutoCloseable> closing = new ArrayList<>();
    RedisServer redis;

    <T extends AutoCloseable> T closeLater(T resource) {
        closing.add(resource);
        return resource;
    }

    Gateway gateway(String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--store", redis.url()));
        args.addAll(List.of(flags));
        return closeLater(Gateway.start(Config.parse(args, Map.of())));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
        if (redis != null) redis.close();
    }

    static Set<String> replicas(Gateway g, String service) {
        Replicas rr = g.registry().snapshot().get(service);
        if (rr == null) return Set.of();
        Set<String> urls = new java.util.TreeSet<>();
        for (Address a : rr.replicas()) urls.add(a.url());
        return urls;
    }

    @Test
    void aRegistrationOnOneGatewayIsRoutedByTheOtherAfterANotice() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway a = gateway("--resync-ms", NO_RESYNC);
        Gateway b = gateway("--resync-ms", NO_RESYNC);
        Backend replica = closeLater(Backend.named("one"));
        assertEquals(201, new Client(a.uri()).register("svc", replica.address()).statusCode());
        long registered = System.nanoTime();
        Await.until(PROPAGATION, "b sees the registration", () -> replicas(b, "svc").contains(replica.address()));
        System.out.printf("notice propagation a -> b: %.1f ms%n", (System.nanoTime() - registered) / 1e6); // informational
        assertEquals("one", new Client(b.uri()).get("/svc/").body());
        assertEquals(200, new Client(b.uri()).deregister("svc", replica.address()).statusCode());
        Await.until(PROPAGATION, "a sees the deregistration", () -> replicas(a, "svc").isEmpty());
        assertEquals(503, new Client(a.uri()).get("/svc/").statusCode());
    }

    @Test
    void gatewaysSharingOneRedisShareItsLimitsAndHearEachOthersServicesOneByOne() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway a = gateway("--resync-ms", NO_RESYNC, "--max-services", "2");
        Gateway b = gateway("--resync-ms", NO_RESYNC, "--max-services", "2");
        assertEquals(201, new Client(a.uri()).register("one", "h:1").statusCode());
        assertEquals(201, new Client(b.uri()).register("two", "h:2").statusCode());

        var third = new Client(a.uri()).register("three", "h:3");
        assertEquals(409, third.statusCode(), "b's service counts on a too: " + third.body());
        assertEquals(200, new Client(b.uri()).register("one", "h:1").statusCode(), "a heartbeat at the limit");
        Await.until(PROPAGATION, "a hears of b's service", () -> replicas(a, "two").equals(Set.of("http://h:2")));
        Replicas one = a.registry().snapshot().get("one");
        assertEquals(201, new Client(b.uri()).register("two", "h:22").statusCode());
        Await.until(PROPAGATION, "a hears of b's second replica", () -> replicas(a, "two").size() == 2);
        assertSame(one, a.registry().snapshot().get("one"), "the notice for 'two' rebuilt nothing else");
    }

    @Test
    void anEvictionOnOneGatewayIsSeenByTheOther() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway a = gateway("--resync-ms", NO_RESYNC, "--failure-threshold", "1");
        Gateway b = gateway("--resync-ms", NO_RESYNC);
        Backend good = closeLater(Backend.named("good"));
        String dead = Backend.refusing();
        Client viaA = new Client(a.uri());
        viaA.register("svc", good.address());
        viaA.register("svc", dead);
        Await.until(PROPAGATION, "b sees both", () -> replicas(b, "svc").size() == 2);
        for (int i = 0; i < 2; i++) assertEquals("good", viaA.get("/svc/").body());
        Await.until(PROPAGATION, "b sees the eviction", () -> replicas(b, "svc").equals(Set.of(good.address())));
        try (var jedis = redis.client()) {
            assertEquals(Set.of(good.address()), jedis.smembers("svc"));
            assertFalse(jedis.exists(Store.failureKey(dead)), "the counter went with the replica");
        }
    }

    @Test
    void failuresSeenByTwoGatewaysAtOnceEvictExactlyOnce() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway a = gateway("--failure-threshold", "5");
        Gateway b = gateway("--failure-threshold", "5");
        Backend good = closeLater(Backend.named("good"));
        Backend unavailable = closeLater(Backend.status(503));
        new Client(a.uri()).register("svc", good.address());
        new Client(a.uri()).register("svc", unavailable.address());
        Await.until(PROPAGATION, "b sees both", () -> replicas(b, "svc").size() == 2);
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Client via = new Client((i % 2 == 0 ? a : b).uri());
            calls.add(() -> via.get("/svc/").statusCode());
        }
        try (var pool = Executors.newFixedThreadPool(16)) {
            for (Future<Integer> f : pool.invokeAll(calls)) assertEquals(200, f.get(), "a GET moves on to the good replica");
        }
        a.close(); // waits for failure reports still on their way to Redis
        b.close();
        assertEquals(1, a.breaker().evictions() + b.breaker().evictions());
        try (var jedis = redis.client()) {
            assertEquals(Set.of(good.address()), jedis.smembers("svc"));
        }
    }

    @Test
    void aSuccessThroughAnotherGatewayEndsTheRunOfFailures() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway a = gateway("--resync-ms", NO_RESYNC, "--failure-threshold", "3");
        Gateway b = gateway("--resync-ms", NO_RESYNC, "--failure-threshold", "3");
        AtomicBoolean failing = new AtomicBoolean(true);
        Backend flaky = closeLater(Backend.start(exchange -> Backend.reply(exchange, failing.get() ? 503 : 200, "")));
        Client viaA = new Client(a.uri());
        Client viaB = new Client(b.uri());
        viaA.register("svc", flaky.address());
        Await.until(PROPAGATION, "b sees the replica", () -> replicas(b, "svc").size() == 1);
        assertEquals(502, viaA.get("/svc/").statusCode());
        assertEquals(502, viaA.get("/svc/").statusCode());
        Await.until(PROPAGATION, "both failures are counted", () -> failuresShown(viaB) == 2);

        failing.set(false);
        Await.until(PROPAGATION, "a success through b resets the count that a's failures left", () -> {
            assertEquals("200", call(() -> String.valueOf(viaB.get("/svc/").statusCode())));
            return failuresShown(viaA) == 0 && failuresShown(viaB) == 0;
        });

        failing.set(true);
        assertEquals(502, viaB.get("/svc/").statusCode());
        Await.until(PROPAGATION, "the new failure is counted", () -> failuresShown(viaA) == 1);
        assertEquals(Set.of(flaky.address()), replicas(b, "svc"), "one failure after a success evicts nothing");
        assertEquals(Set.of(flaky.address()), replicas(a, "svc"));
    }

    @Test
    void aFailureAndTheSuccessAfterItReachTheStoreInThatOrder() throws Exception {
        redis = RedisServer.startOrSkip();
        CountingStore store = new CountingStore(new RedisStore(RedisUrl.parse(redis.url()), ""));
        Gateway g = closeLater(Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0", "--store", redis.url()), Map.of()), store));
        Address replica = Address.parse("http://127.0.0.1:1");
        g.registry().register(new Registration("svc", replica));
        for (int round = 1; round <= 200; round++) {
            g.breaker().report("svc", replica, Outcome.BAD_STATUS);
            g.breaker().report("svc", replica, Outcome.SUCCESS); // back to back: the attempts ended in this order
            long reports = 2L * round;
            Await.until(PROPAGATION, "round " + round + "'s two reports applied", () -> store.reports.get() == reports);
            assertEquals(0L, store.failures(List.of(replica.url())).get(replica.url()), "round " + round + ": the success came last");
        }
        assertEquals(Set.of(replica.url()), replicas(g, "svc"));
    }

    /** Restarts of the Redis watcher's loops so far. */
    static long restarts(Gateway g) {
        return ((RegistryWatcher) g.watch()).restarts();
    }

    /** The failure count that {@code /services} shows for the only replica of the only service. */
    static long failuresShown(Client via) {
        try {
            return ApiIntegrationTest.json(via.get("/services")).get("services").get(0).get("replicas").get(0).get("failures").asLong();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aRestartedGatewayServesTheSameRegistryAtOnce() throws Exception {
        redis = RedisServer.startOrSkip();
        Backend replica = closeLater(Backend.named("one"));
        Gateway first = gateway();
        new Client(first.uri()).register("svc", replica.address());
        first.close();
        Gateway second = gateway();
        assertEquals("one", new Client(second.uri()).get("/svc/").body(), "no wait: the registry is read at start");
    }

    @Test
    void duringARedisOutageTheGatewayRoutesRefusesWritesAndRecovers() throws Exception {
        redis = RedisServer.startDurableOrSkip();
        Gateway g = gateway("--resync-ms", NO_RESYNC, "--failure-threshold", "2");
        Client client = new Client(g.uri());
        Backend good = closeLater(Backend.named("good"));
        String dead = Backend.refusing();
        client.register("svc", good.address());
        client.register("svc", dead);
        long restartsBefore = restarts(g);

        redis.kill();
        Await.until(PROPAGATION, "health reports the store down",
                () -> call(() -> client.get("/health").body()).equals("{\"status\":\"UP\",\"store\":\"DOWN\"}"));
        for (int i = 0; i < 6; i++) assertEquals("good", client.get("/svc/").body(), "routing goes on from the snapshot");
        Await.until(PROPAGATION, "the dead replica is dropped locally", () -> replicas(g, "svc").equals(Set.of(good.address())));
        var refused = client.register("other", good.address());
        assertEquals(503, refused.statusCode());
        assertTrue(ApiIntegrationTest.json(refused).get("error").asText().startsWith("the registry store is unavailable"));

        redis.start();
        Await.until(PROPAGATION, "health reports the store up",
                () -> call(() -> client.get("/health").body()).contains("\"store\":\"UP\""));
        // The subscriber came back and resynced: the store still holds the dead replica, since the
        // local eviction never reached it.
        Await.until(PROPAGATION, "the snapshot is resynced from Redis", () -> replicas(g, "svc").size() == 2);
        assertTrue(restarts(g) > restartsBefore, "the kill broke the subscriber loop, and it was restarted");
        assertEquals(201, client.register("other", good.address()).statusCode());
        assertTrue(client.get("/services").body().contains(good.address()), "what was registered before is still there");

        // And notices flow again: a change through a fresh gateway reaches g without any resync.
        Gateway fresh = gateway();
        Backend late = closeLater(Backend.named("late"));
        new Client(fresh.uri()).register("late", late.address());
        Await.until(PROPAGATION, "g hears of the new service", () -> !replicas(g, "late").isEmpty());
    }

    @Test
    void aGatewayStartedWhileRedisIsDownServesOnceItComesUp() throws Exception {
        redis = RedisServer.startOrSkip();
        try (var jedis = redis.client()) {
            jedis.sadd("svc", "http://127.0.0.1:1");
            jedis.sadd("gateway:services", "svc");
        }
        redis.stop();
        Gateway g = gateway("--resync-ms", "200");
        assertEquals(503, new Client(g.uri()).get("/svc/").statusCode(), "nothing known yet");
        assertEquals("{\"status\":\"UP\",\"store\":\"DOWN\"}", new Client(g.uri()).get("/health").body());
        redis.start(); // a fresh, empty Redis on the same port
        Backend replica = closeLater(Backend.named("one"));
        try (var jedis = redis.client()) {
            jedis.sadd("svc", replica.address());
            jedis.sadd("gateway:services", "svc");
        }
        Await.until(PROPAGATION, "the resync picks the registry up", () -> !replicas(g, "svc").isEmpty());
        assertNotNull(g.registry().snapshot().get("svc"));
        assertEquals("one", new Client(g.uri()).get("/svc/").body());
    }

    /** The registry as Redis holds it, read with a plain client: service name to replica addresses. */
    Map<String, Set<String>> inRedis() {
        try (var jedis = redis.client()) {
            Map<String, Set<String>> registry = new TreeMap<>();
            for (String name : jedis.smembers("gateway:services")) registry.put(name, new TreeSet<>(jedis.smembers(name)));
            return registry;
        }
    }

    static Map<String, Set<String>> routed(Gateway g) {
        Map<String, Set<String>> registry = new TreeMap<>();
        g.registry().snapshot().services().keySet().forEach(name -> registry.put(name, replicas(g, name)));
        return registry;
    }

    String generationInRedis() {
        try (var jedis = redis.client()) {
            return jedis.get("gateway:generation");
        }
    }

    @Test
    void gatewaysKeepTheRegistryWhenRedisRestartsEmpty() throws Exception {
        redis = RedisServer.startOrSkip(); // no persistence: a restart comes back with nothing
        try (LogCapture log = LogCapture.of(Registry.class)) {
            Gateway a = gateway("--resync-ms", NO_RESYNC);
            Gateway b = gateway("--resync-ms", NO_RESYNC);
            Backend one = closeLater(Backend.named("one"));
            Backend two = closeLater(Backend.named("two"));
            Client viaA = new Client(a.uri());
            viaA.register("svc", one.address());
            viaA.register("svc", two.address());
            viaA.register("other", one.address());
            Map<String, Set<String>> registered = Map.of("svc", Set.of(one.address(), two.address()), "other", Set.of(one.address()));
            Await.until(PROPAGATION, "b sees every registration", () -> routed(b).equals(registered));

            redis.stop();
            redis.start();

            // Each subscriber reconnects, rereads, finds the generation gone and puts back what it knew.
            Await.until(PROPAGATION, "Redis holds the registry again", () -> inRedis().equals(registered));
            Await.until(PROPAGATION, "a and b route all of it", () -> routed(a).equals(registered) && routed(b).equals(registered));
            assertEquals(200, new Client(b.uri()).get("/svc/").statusCode());
            assertEquals("one", new Client(b.uri()).get("/other/").body());
            String generation = generationInRedis();
            assertNotNull(generation, "a new generation marks the re-seeded data");
            Await.until(PROPAGATION, "both gateways adopt it",
                    () -> generation.equals(a.registry().generation()) && generation.equals(b.registry().generation()));
            List<String> warnings = log.messages(Level.WARNING, "lost the registry");
            assertTrue(warnings.size() >= 1 && warnings.size() <= 2, "one line per gateway that re-seeded: " + warnings);
            assertTrue(warnings.getFirst().contains("re-seeded 3 replicas of 2 services"), warnings.getFirst());

            // Settled: later rereads find their own generation and re-seed nothing.
            Backend late = closeLater(Backend.named("late"));
            viaA.register("late", late.address());
            Await.until(PROPAGATION, "b hears of a later registration", () -> !replicas(b, "late").isEmpty());
            assertEquals(warnings, log.messages(Level.WARNING, "lost the registry"));
            assertEquals(generation, generationInRedis());
        }
    }

    @Test
    void aFlushAllIsUndoneFromTheGatewaysSnapshot() throws Exception {
        redis = RedisServer.startOrSkip();
        try (LogCapture log = LogCapture.of(Registry.class)) {
            Gateway g = gateway("--resync-ms", "100");
            Backend one = closeLater(Backend.named("one"));
            new Client(g.uri()).register("svc", one.address());
            String before = generationInRedis();

            try (var jedis = redis.client()) {
                jedis.flushAll(); // no notice: only the periodic resync can see it
            }

            Await.until(PROPAGATION, "Redis holds the registry again", () -> inRedis().equals(Map.of("svc", Set.of(one.address()))));
            assertEquals("one", new Client(g.uri()).get("/svc/").body());
            assertNotNull(before, "the gateway's first read wrote a generation");
            assertNotNull(generationInRedis());
            assertFalse(before.equals(generationInRedis()), "the re-seeded data has a generation of its own");
            assertEquals(1, log.messages(Level.WARNING, "lost the registry").size());
        }
    }

    @Test
    void twoGatewaysReseedingAtOnceLeaveOneCopyOfEachReplicaAndOneGeneration() throws Exception {
        redis = RedisServer.startOrSkip();
        try (LogCapture log = LogCapture.of(Registry.class)) {
            Gateway a = gateway("--resync-ms", "50");
            Gateway b = gateway("--resync-ms", "50");
            Backend one = closeLater(Backend.named("one"));
            Backend two = closeLater(Backend.named("two"));
            new Client(a.uri()).register("svc", one.address());
            new Client(b.uri()).register("svc", two.address());
            Map<String, Set<String>> registered = Map.of("svc", Set.of(one.address(), two.address()));
            Await.until(PROPAGATION, "both see both", () -> routed(a).equals(registered) && routed(b).equals(registered));

            for (int round = 0; round < 5; round++) {
                try (var jedis = redis.client()) {
                    jedis.flushAll();
                }
                Await.until(PROPAGATION, "round " + round + ": Redis holds the registry again", () -> inRedis().equals(registered));
                Await.until(PROPAGATION, "round " + round + ": both gateways settle on the generation in Redis", () -> {
                    String generation = generationInRedis();
                    return generation != null && generation.equals(a.registry().generation()) && generation.equals(b.registry().generation());
                });
                try (var jedis = redis.client()) {
                    assertEquals(2, jedis.scard("svc"), "round " + round);
                    assertEquals(Set.of("svc"), jedis.smembers("gateway:services"), "round " + round);
                    assertEquals(Set.of("svc", "gateway:services", "gateway:generation"), jedis.keys("*"), "round " + round);
                }
            }
            int warnings = log.messages(Level.WARNING, "lost the registry").size();
            assertTrue(warnings >= 5 && warnings <= 10, "at most one line per gateway and loss: " + warnings);
            assertEquals(registered, routed(a));
            assertEquals(registered, routed(b));
        }
    }

    @Test
    void aDeregisteredLastReplicaIsNotBroughtBack() throws Exception {
        redis = RedisServer.startOrSkip();
        try (LogCapture log = LogCapture.of(Registry.class)) {
            Gateway a = gateway("--resync-ms", "50");
            Gateway b = gateway("--resync-ms", "50");
            Backend one = closeLater(Backend.named("one"));
            new Client(a.uri()).register("svc", one.address());
            Await.until(PROPAGATION, "b sees it", () -> !replicas(b, "svc").isEmpty());
            String generation = generationInRedis();

            assertEquals(200, new Client(b.uri()).deregister("svc", one.address()).statusCode());

            Await.until(PROPAGATION, "a sees it gone", () -> replicas(a, "svc").isEmpty());
            // What a resync does, done here several times on each gateway: none may bring it back.
            for (int i = 0; i < 5; i++) {
                a.registry().refresh();
                b.registry().refresh();
                assertEquals(Map.of(), inRedis(), "the deregistration stands");
            }
            assertEquals(Map.of(), routed(a));
            assertEquals(Map.of(), routed(b));
            assertEquals(generation, generationInRedis(), "an empty registry of the same generation is not a loss");
            assertEquals(List.of(), log.messages(Level.WARNING, "lost the registry"));
        }
    }

    @Test
    void servicesAreServedFromTheSnapshotDuringARedisOutage() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway g = gateway("--resync-ms", NO_RESYNC);
        Client client = new Client(g.uri());
        Backend one = closeLater(Backend.named("one"));
        client.register("svc", one.address());

        redis.stop();

        var during = client.get("/services");
        assertEquals(200, during.statusCode(), during.body());
        // Failure counts live in the store: while it is down they are unknown, so they are left out.
        assertEquals("{\"services\":[{\"name\":\"svc\",\"replicas\":[{\"address\":\"" + one.address()
                + "\"}]}],\"store\":\"DOWN\"}", during.body());
    }

    @Test
    void aFrozenRedisHoldsNeitherHealthNorRegistrationNorRouting() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway g = gateway("--resync-ms", NO_RESYNC);
        Client client = new Client(g.uri());
        Backend one = closeLater(Backend.named("one"));
        client.register("svc", one.address());
        List<Callable<Integer>> warmUp = new ArrayList<>();
        for (int i = 0; i < 32; i++) warmUp.add(() -> client.get("/services").statusCode());
        try (var pool = Executors.newFixedThreadPool(16)) {
            for (Future<Integer> f : pool.invokeAll(warmUp)) assertEquals(200, f.get(), "the pool holds many idle connections");
        }

        redis.freeze();
        try {
            long start = System.nanoTime();
            var health = client.get("/health");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals("{\"status\":\"UP\",\"store\":\"DOWN\"}", health.body());
            assertTrue(took.toMillis() < 1500, "/health took " + took.toMillis() + " ms");

            start = System.nanoTime();
            var refused = client.register("other", one.address());
            took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(took.toMillis() < 1500, "POST /register took " + took.toMillis() + " ms");

            for (int i = 0; i < 5; i++) assertEquals("one", client.get("/svc/").body(), "routing never waits for Redis");
        } finally {
            redis.thaw();
        }
        Await.until(PROPAGATION, "registration works again",
                () -> call(() -> String.valueOf(client.register("third", one.address()).statusCode())).equals("201"));
        assertEquals("{\"status\":\"UP\",\"store\":\"UP\"}", client.get("/health").body());
    }

    @Test
    void theFirstRegistrationAfterARedisRestartSucceeds() throws Exception {
        redis = RedisServer.startOrSkip();
        Gateway g = gateway("--resync-ms", NO_RESYNC);
        Client client = new Client(g.uri());
        Backend one = closeLater(Backend.named("one"));
        List<Callable<Integer>> warmUp = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            String service = "svc" + i;
            warmUp.add(() -> client.register(service, one.address()).statusCode());
        }
        try (var pool = Executors.newFixedThreadPool(16)) {
            for (Future<Integer> f : pool.invokeAll(warmUp)) assertEquals(201, f.get(), "the pool holds many idle connections");
        }

        redis.stop();
        redis.start(); // every pooled connection now talks to a process that is gone

        var first = client.register("late", one.address());
        assertEquals(201, first.statusCode(), first.body());
    }

    private static String call(Callable<String> c) {
        try {
            return c.call();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
