package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The store contract against the embedded store. */
class MemoryStoreContractTest extends StoreContract {

    @Override
    Store newStore() {
        return new MemoryStore();
    }

    @Test
    void keysShowsTheKeySpaceAndLeavesTheStoreToOtherThreads() throws Exception {
        MemoryStore memory = new MemoryStore();
        memory.add(USERS, A);
        memory.recordFailure(USERS, A, 5);
        assertEquals(Map.of(USERS, java.util.List.of(A), Store.failureKey(A), 1L), memory.keys());
        assertTrue(CompletableFuture.supplyAsync(() -> memory.add(ORDERS, B)).get(10, TimeUnit.SECONDS),
                "another thread can still write after keys()");
    }
}
