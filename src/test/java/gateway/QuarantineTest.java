package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The ejection rules as properties: the guard's share, the last replica, the back-off and its jitter. */
class QuarantineTest {

    private static Quarantine rules(int percent, boolean allowEmpty) {
        return new Quarantine(3, Duration.ofMillis(30_000), Duration.ofMillis(300_000), percent, allowEmpty, () -> 0);
    }

    @Test
    void theGuardNeverEjectsMoreThanTheShareNorTheLastReplicaUnlessAllowed() {
        qt().forAll(integers().between(1, 100), integers().between(1, 1000), booleans().all()).checkAssert((percent, total, allowEmpty) -> {
            int max = rules(percent, allowEmpty).maxEjected(total);
            int share = total * percent / 100;
            assertTrue(max <= Math.max(1, share), "never more than the share, or one");
            if (!allowEmpty) assertTrue(max <= total - 1, "never the last: " + max + " of " + total);
            if (total >= 2) assertTrue(max >= 1, "one of two or more may always go");
            if (allowEmpty && total == 1) assertEquals(1, max, "allowed: a lone replica may go");
        });
    }

    @Test
    void mayEjectIsTheShareCountedWithWhatIsEjectedAlready() {
        Quarantine q = rules(50, false);
        assertTrue(q.mayEject(2, 0));
        assertTrue(!q.mayEject(2, 1), "one of two is out: the other stays");
        assertTrue(!q.mayEject(1, 0), "the last replica stays");
        assertTrue(q.mayEject(5, 1), "2 of 5 <= 50%");
        assertTrue(!q.mayEject(5, 2), "3 of 5 > 50%");
        assertTrue(rules(100, true).mayEject(1, 0), "--allow-empty-service with 100%: the seed's rule");
        assertTrue(!rules(100, false).mayEject(3, 2), "100% but not the last");
    }

    @Test
    void theBackOffDoublesWithEachEjectionAndIsCapped() {
        qt().forAll(integers().between(1, 100_000), integers().between(1, 60), integers().between(1, 200)).checkAssert((base, factor, n) -> {
            long max = (long) base * factor;
            Quarantine q = new Quarantine(3, Duration.ofMillis(base), Duration.ofMillis(max), 50, false, () -> 0);
            long wait = q.nominalMillis(n);
            long next = q.nominalMillis(n + 1);
            assertTrue(wait <= max && wait >= base, n + ": " + wait);
            assertEquals(Math.min(2 * wait, max), next, "doubles until the cap, then stays: " + n);
            assertEquals((long) base, q.nominalMillis(1), "the first wait is the base");
        });
    }

    @Test
    void jitterShortensAWaitByLessThanAFifthAndNeverLengthensIt() {
        qt().forAll(integers().between(1, 300_000), doubles().between(0, 0.9999999)).checkAssert((nominal, random) -> {
            long wait = Quarantine.waitMillis(nominal, random);
            assertTrue(wait <= nominal, "never past the nominal wait (so never past the cap)");
            assertTrue(wait > nominal * (1 - Quarantine.JITTER_SHARE) - 1, wait + " of " + nominal);
        });
        assertEquals(30_000, Quarantine.waitMillis(30_000, 0));
        assertEquals(27_000, Quarantine.waitMillis(30_000, 0.5));
    }

    @Test
    void recoveringReplicasAreEjectedAtTheirFirstFailure() {
        Quarantine q = rules(50, false);
        assertEquals(3, q.threshold(false));
        assertEquals(1, q.threshold(true));
        assertEquals(3, q.successesToRecover());
    }

    @Test
    void badRulesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> rules(0, false));
        assertThrows(IllegalArgumentException.class, () -> rules(101, false));
        assertThrows(IllegalArgumentException.class,
                () -> new Quarantine(3, Duration.ofMillis(10), Duration.ofMillis(9), 50, false, () -> 0));
    }
}
