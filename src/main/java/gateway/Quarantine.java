package gateway;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The rules of ejection, as pure functions of their inputs: when a run of failures ejects a
 * replica ({@link #threshold}, or its first failure while it is still recovering), how many of a
 * service's replicas may be ejected at once (the guard), and how long an ejected replica waits for
 * its next probe (doubling, capped, with jitter). Both stores decide with it: the memory store
 * calls it, Redis's scripts compute the same formulas from its numbers. Immutable; thread-safe.
 */
record Quarantine(int threshold, Duration ejectionTime, Duration maxEjectionTime, int maxEvictionPercent,
                  boolean allowEmptyService, DoubleSupplier jitter) {

    /** A wait is shortened by up to this share of itself, so replicas ejected together are not probed together. */
    static final double JITTER_SHARE = 0.2;
    /** Doubling stops here: 2^20 times any base is past any cap worth having. */
    private static final int MAX_DOUBLINGS = 20;

    Quarantine {
        if (threshold < 1) throw new IllegalArgumentException("threshold must be at least 1, not " + threshold);
        if (!ejectionTime.isPositive()) throw new IllegalArgumentException("ejection time must be positive, not " + ejectionTime);
        if (maxEjectionTime.compareTo(ejectionTime) < 0) {
            throw new IllegalArgumentException("max ejection time " + maxEjectionTime + " is below the ejection time " + ejectionTime);
        }
        if (maxEvictionPercent < 1 || maxEvictionPercent > 100) {
            throw new IllegalArgumentException("max eviction percent " + maxEvictionPercent + " is not in 1-100");
        }
    }

    /** The given rules, with a random jitter. */
    static Quarantine of(int threshold, Duration ejectionTime, Duration maxEjectionTime, int maxEvictionPercent,
                         boolean allowEmptyService) {
        return new Quarantine(threshold, ejectionTime, maxEjectionTime, maxEvictionPercent, allowEmptyService,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The seed's rule: eject at {@code threshold} whatever is left of the service; default times, no jitter. */
    static Quarantine seed(int threshold) {
        return new Quarantine(threshold, Duration.ofMillis(Config.DEFAULT_EJECTION_TIME_MS),
                Duration.ofMillis(Config.DEFAULT_MAX_EJECTION_TIME_MS), 100, true, () -> 0);
    }

    /** The failures in a row that eject a replica: the threshold, or 1 while it recovers from an earlier ejection. */
    int threshold(boolean recovering) {
        return recovering ? 1 : threshold;
    }

    /**
     * How many of a service's {@code total} replicas (routable and ejected) may be ejected at once:
     * {@link #maxEvictionPercent} of them rounded down but at least one (as Envoy's max ejection
     * percent), and never all of them unless {@link #allowEmptyService}.
     */
    int maxEjected(int total) {
        int share = Math.max(1, (int) ((long) total * maxEvictionPercent / 100));
        return allowEmptyService ? Math.min(share, total) : Math.min(share, total - 1);
    }

    /** Whether one more of a service's replicas may be ejected, {@code ejected} of its {@code total} being so already. */
    boolean mayEject(int total, int ejected) {
        return ejected + 1 <= maxEjected(total);
    }

    /** The wait before the probe that follows an address's {@code ejections}-th ejection (1 or more), with no jitter. */
    long nominalMillis(int ejections) {
        int doublings = Math.min(Math.max(ejections, 1) - 1, MAX_DOUBLINGS);
        long doubled = ejectionTime.toMillis() << doublings;
        return Math.min(doubled, maxEjectionTime.toMillis());
    }

    /**
     * The wait before the probe that follows an address's {@code ejections}-th ejection: the
     * nominal wait shortened by {@code random * JITTER_SHARE} of itself ({@code random} in [0, 1)),
     * so in (0.8, 1] times the nominal wait, never past the cap.
     */
    static long waitMillis(long nominal, double random) {
        return nominal - (long) Math.floor(nominal * random * JITTER_SHARE);
    }

    /** As {@link #waitMillis(long, double)}, with this quarantine's jitter. */
    long waitMillis(int ejections) {
        return waitMillis(nominalMillis(ejections), jitter.getAsDouble());
    }

    /** The successes in a row that end a replica's recovery and clear its ejection count: as many as the failures that eject it. */
    int successesToRecover() {
        return threshold;
    }
}
