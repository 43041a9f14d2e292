package gateway;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every thread the gateway makes comes from here, so each one is named and none dies silently:
 * an exception that escapes a task is logged, never lost.
 */
final class Threads {

    private static final Logger LOG = Log.get(Threads.class);
    private static final Thread.UncaughtExceptionHandler LOG_UNCAUGHT =
            (thread, e) -> LOG.log(Level.SEVERE, "uncaught in " + thread.getName(), e);

    /** Platform pool size for {@code --executor platform}, the usual servlet-container default. */
    static final int PLATFORM_POOL_SIZE = 200;

    private Threads() {}

    static ThreadFactory virtual(String name) {
        return Thread.ofVirtual().name(name + "-", 0).uncaughtExceptionHandler(LOG_UNCAUGHT).factory();
    }

    /** Request executor: one virtual thread per request, or a bounded platform pool to compare with. */
    static ExecutorService requests(Config.RequestThreads kind) {
        return switch (kind) {
            case VIRTUAL -> Executors.newThreadPerTaskExecutor(virtual("request"));
            case PLATFORM -> Executors.newFixedThreadPool(PLATFORM_POOL_SIZE, Thread.ofPlatform().name("request-", 0)
                    .daemon(true).uncaughtExceptionHandler(LOG_UNCAUGHT).factory());
        };
    }
}
