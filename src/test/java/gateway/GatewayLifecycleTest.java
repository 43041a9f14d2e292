package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A gateway's start and stop: close lets go of everything it holds; awaitClose waits for it. */
@Tag("contract") // run on every stack (benchmarks/variants)
class GatewayLifecycleTest {

    private static Gateway start(Store store, String... flags) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0"));
        args.addAll(List.of(flags));
        return Gateway.start(Config.parse(args, Map.of()), store);
    }

    /** A memory store that counts its close() calls. */
    private static Store closeCounting(AtomicInteger closes) {
        return around(new MemoryStore(), method -> {
            if (method.equals("close")) closes.incrementAndGet();
        });
    }

    /**
     * {@code store} seen through the Store interface only and behaving as a remote store (its
     * reports go through a queue), with {@code before} run ahead of each call.
     */
    private static boolean accepts(URI uri) {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static Store around(MemoryStore store, java.util.function.Consumer<String> before) {
        return (Store) java.lang.reflect.Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                    // a remote store's reports go through a queue, off the request thread
                    if (method.getName().equals("reports")) return new ReportQueue(ReportQueue.CAPACITY, (Clock) args[0]);
                    before.accept(method.getName());
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void closeStopsListeningAndReleasesTheStoreAndTheUpstreamConnections() throws Exception {
        AtomicInteger closes = new AtomicInteger();
        byte[] ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
        try (UpstreamConnectionTest.CountingReplica replica = new UpstreamConnectionTest.CountingReplica(ok)) {
            Gateway gateway = start(closeCounting(closes));
            int port = gateway.port();
            Client client = new Client(gateway.uri());
            client.register("svc", replica.address());
            assertEquals("ok", client.get("/svc/x").body());
            assertEquals(1, replica.open.get(), "kept alive for the next request");

            gateway.close();
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "no longer listening");
            assertEquals(1, closes.get(), "the store is closed");
            Await.until(Duration.ofSeconds(10), "the upstream connection is closed", () -> replica.open.get() == 0);
            gateway.close();
            assertEquals(1, closes.get(), "closing twice closes once");
        }
    }

    @Test
    void awaitCloseReturnsOnlyOnceTheGatewayIsClosed() throws Exception {
        Gateway gateway = start(new MemoryStore());
        Thread waiter = Thread.ofVirtual().start(gateway::awaitClose);
        waiter.join(Duration.ofMillis(200));
        assertTrue(waiter.isAlive(), "awaitClose returned before close");
        gateway.close();
        assertTrue(waiter.join(Duration.ofSeconds(10)), "awaitClose still waiting after close");
    }

    @Test
    void anInterruptedAwaitCloseReturnsAndKeepsTheInterrupt() throws Exception {
        try (Gateway gateway = start(new MemoryStore())) {
            AtomicBoolean interrupted = new AtomicBoolean();
            Thread waiter = Thread.ofVirtual().start(() -> {
                gateway.awaitClose();
                interrupted.set(Thread.currentThread().isInterrupted());
            });
            waiter.interrupt();
            assertTrue(waiter.join(Duration.ofSeconds(10)), "awaitClose returns when interrupted");
            assertTrue(interrupted.get(), "with the interrupt kept for its caller");
        }
    }

    @Test
    void theBreakerCountsEvictions() throws Exception {
        try (Gateway gateway = start(new MemoryStore(), "--failure-threshold", "1", "--allow-empty-service")) {
            Client client = new Client(gateway.uri());
            client.register("svc", Backend.refusing());
            assertEquals(502, client.get("/svc/").statusCode());
            assertEquals(1, gateway.breaker().evictions());
            assertFalse(gateway.registry().snapshot().services().containsKey("svc"));
        }
    }

    @Test
    void aGatewayThatCannotStartClosesItsStore() throws Exception {
        AtomicInteger closes = new AtomicInteger();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            var e = assertThrows(IOException.class, () -> Gateway.start(Config.parse(
                    List.of("--bind", "127.0.0.1", "--port", String.valueOf(taken.getLocalPort())), Map.of()), closeCounting(closes)));
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
        assertEquals(1, closes.get());
    }

    @Test
    void aSlowRemoteStoreDoesNotDelayTheClientAndCloseWaitsForItsReports() throws Exception {
        CountDownLatch storeAnswers = new CountDownLatch(1);
        AtomicInteger recorded = new AtomicInteger();
        MemoryStore memory = new MemoryStore();
        Store slow = around(memory, method -> {
            if (!method.equals("recordFailure")) return;
            try {
                storeAnswers.await(30, TimeUnit.SECONDS); // a store that stalls on failure reports
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            recorded.incrementAndGet();
        });
        Gateway gateway = start(slow, "--failure-threshold", "5");
        try {
            Client client = new Client(gateway.uri());
            client.register("svc", Backend.refusing());
            assertEquals(502, client.get("/svc/").statusCode(), "answered while the store is still stalled");
            assertEquals(0, recorded.get());
            URI uri = gateway.uri();
            Thread.ofVirtual().start(() -> {
                // the store answers only once close has begun (it stops listening first)
                Await.until(Duration.ofSeconds(10), "close began", () -> !accepts(uri));
                storeAnswers.countDown();
            });
            gateway.close();
            assertEquals(1, recorded.get(), "close let the queued failure report reach the store");
            assertEquals(Map.of("svc", List.of(memory.registry().get("svc").get(0)), Store.failureKey(memory.registry().get("svc").get(0)), 1L),
                    memory.keys());
        } finally {
            storeAnswers.countDown();
            gateway.close();
        }
    }
}
