package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

class ThreadsTest {

    @Test
    void requestsRunOnVirtualThreadsUnlessThePlatformPoolIsAskedFor() throws Exception {
        try (ExecutorService virtual = Threads.requests(Config.RequestThreads.VIRTUAL); ExecutorService platform = Threads.requests(Config.RequestThreads.PLATFORM)) {
            assertTrue(virtual.submit(() -> Thread.currentThread().isVirtual()).get());
            assertTrue(virtual.submit(() -> Thread.currentThread().getName()).get().startsWith("request-"));
            assertFalse(platform.submit(() -> Thread.currentThread().isVirtual()).get());
            assertTrue(platform.submit(() -> Thread.currentThread().isDaemon()).get(), "never keeps the JVM alive");
            assertTrue(platform.submit(() -> Thread.currentThread().getName()).get().startsWith("request-"));
        }
    }

    @Test
    void anExceptionThatEscapesAThreadIsLogged() throws Exception {
        try (LogCapture log = LogCapture.of(Threads.class)) {
            Thread thread = Threads.virtual("doomed").newThread(() -> {
                throw new IllegalStateException("boom");
            });
            thread.start();
            thread.join();
            assertEquals(1, log.messages(Level.SEVERE, "uncaught in doomed-0").size());
        }
    }
}
