package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;

/**
 * The store contract against a real redis-server, plus what only Redis has: the seed's raw key
 * layout, the key prefix, the url's database and credentials, change notices, and outages.
 */
class RedisStoreContractTest extends StoreContract {

    private static final String PREFIX = "test-gw:";
    private static RedisServer server;

    /** A plain client on database 0, for looking at the raw keys. */
    private Jedis admin;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.startOrSkip();
    }

    @AfterAll
    static void stopRedis() {
        if (server != null) server.close();
    }

    @Override
    Store newStore(Store.Limits limits) {
        if (admin == null) admin = server.client();
        admin.flushAll();
        return new RedisStore(RedisUrl.parse(server.url()), PREFIX, limits);
    }

    @AfterEach
    void closeAdmin() {
        if (admin != null) admin.close();
    }

    private static RedisStore redisStore(String url, String prefix) {
        return new RedisStore(RedisUrl.parse(url), prefix);
    }

    @Test
    void keysAreLaidOutAsTheSeedLaysThemOutUnderThePrefix() {
        store.add(USERS, A);
        store.recordFailure(USERS, A, 5);

        assertEquals("set", admin.type(PREFIX + USERS));
        assertEquals(Set.of(A), admin.smembers(PREFIX + USERS));
        assertEquals("string", admin.type(PREFIX + "circuit-breaker#" + A));
        assertEquals("1", admin.get(PREFIX + "circuit-breaker#" + A));
        assertEquals("set", admin.type(PREFIX + "gateway:services"));
        assertEquals(Set.of(USERS), admin.smembers(PREFIX + "gateway:services"));
        assertEquals(Set.of(PREFIX + USERS, PREFIX + "circuit-breaker#" + A, PREFIX + "gateway:services"),
                admin.keys("*"), "nothing outside the prefix");
    }

    @Test
    void aRedisThatLostItsDataHasNoGenerationAndAReseedGivesItANewOne() {
        String first = store.reseed(Map.of()).generation();
        store.add(USERS, A);
        assertEquals(first, admin.get(PREFIX + "gateway:generation"));
        assertEquals(new Store.Contents(first, new java.util.TreeMap<>(Map.of(USERS, List.of(A)))), store.contents());

        admin.flushAll();

        assertEquals(new Store.Contents(null, new java.util.TreeMap<>()), store.contents());
        Store.Reseeded reseeded = store.reseed(Map.of(USERS, List.of(A, B)));
        assertNotEquals(first, reseeded.generation());
        assertEquals(2, reseeded.added());
        assertEquals(Set.of(PREFIX + USERS, PREFIX + "gateway:services", PREFIX + "gateway:generation"), admin.keys("*"));
    }

    @Test
    void aReseedAnnouncesEachServiceItPutBack() throws Exception {
        try (Subscriber changes = Subscriber.start(redisStore(server.url(), PREFIX), PREFIX + "gateway:changes")) {
            store.add(USERS, A);
            assertEquals(USERS, changes.next());

            store.reseed(Map.of(USERS, List.of(A), ORDERS, List.of(B)));

            assertEquals(ORDERS, changes.next());
            store.add(USERS, C);
            assertEquals(USERS, changes.next(), "nothing for " + USERS + ", which lacked nothing");
        }
    }

    @Test
    void theFirstCallAfterARedisRestartSucceedsOnAFreshConnection() throws Exception {
        store.add(USERS, A);
        List<Boolean> warm = concurrently(16, () -> store.ping()); // several idle connections in the pool
        assertEquals(Collections.nCopies(16, true), warm);

        server.stop();
        server.start(); // every pooled connection is now dead

        assertTrue(store.add(USERS, B));
        assertTrue(store.ping());
    }

    @Test
    void aWatchKeepsARegistryFreshWithWhatAnotherWriterChanges() throws Exception {
        Registry registry = new Registry(store);
        String replica = "http://10.0.0.9:8080";
        try (RedisStore other = redisStore(server.url(), PREFIX); Store.Watch watch = store.watch(registry, Duration.ofMinutes(10), Clock.SYSTEM)) {
            other.add(USERS, replica); // no resync in time: only a notice, or the reread on subscribing, brings it
            Await.until(Duration.ofSeconds(5), "the registry sees the other writer's replica",
                    () -> registry.snapshot().toMap().equals(Map.of(USERS, List.of(Address.parse(replica)))));
        }
    }

    @Test
    void reportsAreAppliedOffTheCallersThreadInTheOrderSubmitted() {
        Thread caller = Thread.currentThread();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        Store.Reports reports = store.reports(Clock.SYSTEM);
        for (int i = 0; i < 100; i++) {
            int n = i;
            reports.execute(() -> {
                ranOn.add(Thread.currentThread());
                order.add(n);
            });
        }
        reports.close(Duration.ofSeconds(5)); // applies what is queued first
        assertEquals(IntStream.range(0, 100).boxed().toList(), order);
        assertFalse(ranOn.contains(caller), "never on the request's thread");
    }

    @Test
    void theIndexLosesAServiceWithItsLastReplica() {
        store.add(USERS, A);
        store.add(USERS, B);
        store.remove(USERS, A);
        assertEquals(Set.of(USERS), admin.smembers(PREFIX + "gateway:services"));

        store.recordFailure(USERS, B, 1);

        assertEquals(Set.of(PREFIX + "gateway:ejected", PREFIX + "gateway:ejection#" + B), admin.keys("*"),
                "no service set, no counter, no index: only B's ejection, remembered for its probe");
        assertEquals(Map.of("ejections", "1", "services", USERS, "probeAt", "30000", "successes", "0"),
                admin.hgetAll(PREFIX + "gateway:ejection#" + B));
    }

    @Test
    void storesWithOtherPrefixesDoNotSeeEachOther() {
        try (RedisStore other = redisStore(server.url(), "other-gw:")) {
            store.add(USERS, A);
            other.add(ORDERS, B);
            other.recordFailure(ORDERS, A, 10);

            assertEquals(Map.of(USERS, List.of(A)), store.registry());
            assertEquals(Map.of(ORDERS, List.of(B)), other.registry());
            assertEquals(Map.of(A, 0L), store.failures(List.of(A)));
        }
    }

    @Test
    void theUrlsDatabaseIsTheOneUsed() {
        try (RedisStore db3 = redisStore(server.url() + "/3", PREFIX); Jedis raw = server.client()) {
            db3.add(USERS, A);

            raw.select(3);
            assertTrue(raw.sismember(PREFIX + USERS, A));
            assertFalse(admin.exists(PREFIX + USERS), "database 0 is untouched");
        }
    }

    @Test
    void theUrlsCredentialsLogInAndAWrongPasswordNeverShows() {
        admin.aclSetUser("gw", "on", ">s3cret-pw", "~*", "&*", "+@all");
        try (RedisStore right = redisStore("redis://gw:s3cret-pw@127.0.0.1:" + server.port(), PREFIX);
                RedisStore wrong = redisStore("redis://gw:wrong-pw@127.0.0.1:" + server.port(), PREFIX)) {
            assertTrue(right.add(USERS, A));
            assertEquals(Map.of(USERS, List.of(A)), right.registry());

            Store.Unavailable e = assertThrows(Store.Unavailable.class, () -> wrong.add(USERS, B));
            assertFalse(e.getMessage().contains("wrong-pw"), e.getMessage());
            assertFalse(wrong.ping());
        } finally {
            admin.aclDelUser("gw");
        }
    }

    @Test
    void aStoreWhoseRedisIsDownFailsEachCallWithoutThePassword() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        try (RedisStore down = redisStore("redis://gw:hunter2@127.0.0.1:" + closedPort, PREFIX)) {
            Store.Unavailable e = assertThrows(Store.Unavailable.class, () -> down.add(USERS, A));

            assertTrue(e.getMessage().startsWith("redis at 127.0.0.1:" + closedPort + " unreachable"), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
            assertThrows(Store.Unavailable.class, down::registry);
            assertThrows(Store.Unavailable.class, () -> down.failures(List.of(A)));
            assertThrows(Store.Unavailable.class, () -> down.subscribe("x", m -> {}, () -> {}));
            assertFalse(down.ping());
        }
    }

    @Test
    void everyChangeAnnouncesItsServiceAndNothingElseDoes() throws Exception {
        RedisStore writer = (RedisStore) store;
        try (Subscriber changes = Subscriber.start(redisStore(server.url(), PREFIX), PREFIX + "gateway:changes")) {
            writer.add(USERS, A);
            assertEquals(USERS, changes.next());

            writer.add(USERS, A); // no change: no notice
            writer.remove(USERS, C); // no change: no notice
            writer.recordFailure(ORDERS, B, 5); // B is not in orders: dropped, no notice
            writer.add(ORDERS, B);
            assertEquals(ORDERS, changes.next());
            writer.recordFailure(ORDERS, B, 5);
            assertEquals(ORDERS, changes.next(), "a first failure: B has failures pending");
            writer.recordFailure(ORDERS, B, 5); // still pending: no notice
            writer.resetFailures(B);
            assertEquals(B, changes.next(), "B's failures were reset");
            writer.resetFailures(B); // nothing to reset: no notice

            writer.remove(ORDERS, B);
            assertEquals(ORDERS, changes.next());
            writer.add(ORDERS, A);
            assertEquals(ORDERS, changes.next());
            writer.recordFailure(USERS, A, 1);
            assertEquals(Set.of(USERS, ORDERS), Set.of(changes.next(), changes.next()), "evicted from both");
            assertEquals(PREFIX + "gateway:changes", writer.changesChannel());
            admin.publish(writer.changesChannel(), "hello");
            assertEquals("hello", changes.next());
            assertEquals(0L, admin.publish("gateway:changes", "x"), "the channel is under the prefix");
        }
    }

    @Test
    void closeEndsASubscriptionQuietly() throws Exception {
        RedisStore subscriberStore = redisStore(server.url(), PREFIX);
        Subscriber changes = Subscriber.start(subscriberStore, subscriberStore.changesChannel());

        subscriberStore.close();

        assertTrue(changes.ended.await(5, TimeUnit.SECONDS), "subscribe returned");
        assertNull(changes.error.get());
    }

    @Test
    void anOutageFailsCallsBreaksSubscriptionsAndHealsWhenRedisIsBack() throws Exception {
        try (Subscriber changes = Subscriber.start(redisStore(server.url(), PREFIX), PREFIX + "gateway:changes")) {
            store.add(USERS, A);
            assertEquals(USERS, changes.next());

            server.stop();
            try {
                assertTrue(changes.ended.await(5, TimeUnit.SECONDS), "subscribe returned");
                assertInstanceOf(Store.Unavailable.class, changes.error.get());
                assertFalse(store.ping());
                Store.Unavailable e = assertThrows(Store.Unavailable.class, () -> store.add(USERS, B));
                assertTrue(e.getMessage().startsWith("redis at 127.0.0.1:" + server.port()), e.getMessage());
                assertThrows(Store.Unavailable.class, store::registry);
            } finally {
                server.start();
            }

            // A fresh, empty Redis (no persistence): every pooled connection to the old one is dead.
            assertTrue(store.ping());
            assertTrue(store.add(USERS, B));
            assertEquals(Map.of(USERS, List.of(B)), store.registry());
        }
    }

    @Test
    void aStalledRedisFailsCallsInsteadOfHoldingThem() {
        store.add(USERS, A);
        // Redis holds every write (scripts included) for 10 s: without a socket timeout the call
        // would wait and succeed late. WRITE, not ALL, so that CLIENT UNPAUSE itself gets through.
        admin.clientPause(10_000, ClientPauseMode.WRITE);
        try {
            assertThrows(Store.Unavailable.class, () -> store.add(USERS, B));
        } finally {
            admin.clientUnpause();
        }
        // The timed-out write may or may not still run: a timeout leaves the outcome unknown.
        assertTrue(store.registry().get(USERS).contains(A));
        assertTrue(store.add(ORDERS, C), "the store works again");
    }

    /** A {@link RedisStore#subscribe} running on its own thread, its messages in a queue. */
    private static final class Subscriber implements AutoCloseable {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final CountDownLatch subscribed = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final RedisStore store;

        private Subscriber(RedisStore store) {
            this.store = store;
        }

        static Subscriber start(RedisStore store, String channel) throws InterruptedException {
            Subscriber s = new Subscriber(store);
            Thread.ofPlatform().name("test-subscriber").daemon(true).start(() -> {
                try {
                    store.subscribe(channel, s.messages::add, s.subscribed::countDown);
                } catch (Throwable t) {
                    s.error.set(t);
                } finally {
                    s.ended.countDown();
                }
            });
            if (!s.subscribed.await(5, TimeUnit.SECONDS)) {
                store.close();
                throw new AssertionError("not subscribed within 5 s: " + s.error.get());
            }
            return s;
        }

        String next() throws InterruptedException {
            String message = messages.poll(5, TimeUnit.SECONDS);
            if (message == null) throw new AssertionError("no message within 5 s");
            return message;
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
