package gateway;

import java.time.Duration;

/**
 * Keeps this gateway's snapshot fresh from a Redis shared with other gateways, with two
 * supervised loops: a subscriber that rereads what each change notice names, one service or one
 * address (and everything after every (re)subscription, since pub/sub drops what it published
 * while we were away), and a periodic full resync as the safety net for anything missed.
 * Thread-safe.
 */
final class RegistryWatcher implements Store.Watch {

    /** Back-off between restarts of a failed loop: quick at first, never hammering a Redis that is down. */
    static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final Supervisor changes;
    private final Supervisor resync;

    RegistryWatcher(RedisStore store, Registry registry, Duration interval, Clock clock) {
        this.changes = Supervisor.start("registry-changes",
                () -> store.subscribe(store.changesChannel(), registry::changed, registry::refresh),
                MIN_BACKOFF, MAX_BACKOFF, clock);
        this.resync = Supervisor.start("registry-resync", () -> {
            while (true) {
                clock.sleep(interval);
                registry.refresh();
            }
        }, MIN_BACKOFF, MAX_BACKOFF, clock);
    }

    /** Restarts so far of the subscriber and resync loops (read by tests; nothing else shows it yet). */
    long restarts() {
        return changes.restarts() + resync.restarts();
    }

    @Override
    public void close() {
        changes.close();
        resync.close();
    }
}
