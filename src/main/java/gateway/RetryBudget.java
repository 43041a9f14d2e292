package gateway;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that request bodies kept for retry may take, all requests together: a body's bytes
 * are reserved before it is buffered and released when its request ends, so a crowd of uploads
 * cannot fill the heap. Thread-safe.
 */
final class RetryBudget {

    private final long capacity;
    private final AtomicLong reserved = new AtomicLong();

    RetryBudget(long capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity must be 0 or more, not " + capacity);
        this.capacity = capacity;
    }

    /** Reserves {@code bytes} if they fit, all or nothing. */
    boolean tryReserve(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative reservation: " + bytes);
        for (long now = reserved.get(); ; now = reserved.get()) {
            if (bytes > capacity - now) return false;
            if (reserved.compareAndSet(now, now + bytes)) return true;
        }
    }

    /** Gives back bytes reserved earlier. */
    void release(long bytes) {
        reserved.addAndGet(-bytes);
    }

    long reserved() {
        return reserved.get();
    }
}
