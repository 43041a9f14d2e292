package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The store contract against the embedded store, plus what only it has: what it saves, its key space, and nothing to run beside it. */
class MemoryStoreContractTest extends StoreContract {

    @Override
    Store newStore(Store.Limits limits) {
        return new MemoryStore(MemoryStore.Persistence.NONE, limits);
    }

    /** Keeps every save in a list, and fails them while {@link #failing} is set. */
    static final class Saves implements MemoryStore.Persistence {
        final List<Map<String, List<String>>> saved = new ArrayList<>();
        final AtomicBoolean failing = new AtomicBoolean();

        @Override
        public void save(Map<String, ? extends java.util.Collection<String>> services) throws IOException {
            if (failing.get()) throw new IOException("disk full");
            Map<String, List<String>> copy = new TreeMap<>();
            services.forEach((name, addresses) -> copy.put(name, List.copyOf(addresses)));
            saved.add(copy);
        }

        Map<String, List<String>> last() {
            return saved.getLast();
        }
    }

    @Test
    void everyChangeIsSavedAndOneThatCannotBeIsUndoneButAnEvictionStands() {
        Saves saves = new Saves();
        try (MemoryStore memory = new MemoryStore(saves)) {
            assertEquals(Map.of(), saves.last(), "saved at start, so a store that cannot save fails then");
            memory.add(USERS, A);
            memory.add(USERS, B);
            assertEquals(Map.of(USERS, List.of(A, B)), saves.last());

            saves.failing.set(true);
            var e = assertThrows(Store.Unavailable.class, () -> memory.add(ORDERS, C));
            assertEquals("disk full", e.getCause().getMessage());
            assertThrows(Store.Unavailable.class, () -> memory.remove(USERS, B));
            assertEquals(Map.of(USERS, List.of(A, B)), memory.registry(), "neither change was kept");

            assertEquals(List.of(USERS), memory.recordFailure(USERS, A, 1).evictedFrom(), "an eviction stands, saved or not");
            assertEquals(Map.of(USERS, List.of(B)), memory.registry());

            saves.failing.set(false);
            memory.add(ORDERS, C);
            assertEquals(Map.of(USERS, List.of(B), ORDERS, List.of(C)), saves.last(), "the next save catches up");
        }
    }

    @Test
    void withoutAFileTheRegistryLivesAsLongAsTheProcess() throws IOException {
        MemoryStore.Persistence.NONE.save(Map.of(USERS, List.of(A)));
        assertEquals(Map.of(), MemoryStore.Persistence.NONE.load(), "nothing was kept");
    }

    @Test
    void onlyThisGatewayChangesItSoThereIsNothingToWatchAndReportsRunOnTheCallersThread() {
        assertSame(Store.Watch.NONE, store.watch(new Registry(store), Duration.ofMillis(1), Clock.SYSTEM));
        Thread caller = Thread.currentThread();
        List<Thread> ranOn = new ArrayList<>();
        Store.Reports reports = store.reports(Clock.SYSTEM);
        reports.execute(() -> ranOn.add(Thread.currentThread()));
        assertEquals(List.of(caller), ranOn, "applied before execute returned");
        reports.close(Duration.ZERO);
    }

    @Test
    void keysShowsTheKeySpaceAndLeavesTheStoreToOtherThreads() throws Exception {
        MemoryStore memory = new MemoryStore();
        memory.add(USERS, A);
        memory.recordFailure(USERS, A, 5);
        assertEquals(Map.of(USERS, List.of(A), Store.failureKey(A), 1L), memory.keys());
        assertTrue(CompletableFuture.supplyAsync(() -> memory.add(ORDERS, B)).get(10, TimeUnit.SECONDS),
                "another thread can still write after keys()");
    }
}
