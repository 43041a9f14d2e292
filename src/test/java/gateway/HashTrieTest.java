package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The persistent map checked against a HashMap, with keys chosen to collide in whole and in part. */
class HashTrieTest {

    record Op(boolean put, String key, int value) {}

    /** "Aa" and "BB" have the same String hash, so do their concatenations: whole-hash collisions. */
    private static final List<String> KEYS = List.of("Aa", "BB", "AaAa", "AaBB", "BBAa", "BBBB", "a", "b", "users", "orders",
            "svc-1", "svc-2", "svc-33", "x.y", "");

    private static Gen<Op> ops() {
        return arbitrary().pick(true, true, false).zip(arbitrary().pick(KEYS), integers().between(0, 9), Op::new);
    }

    @Test
    void behavesLikeAHashMapAndNeverChangesAnOlderVersion() {
        qt().forAll(lists().of(ops()).ofSizeBetween(0, 80)).checkAssert(ops -> {
            HashTrie<Integer> trie = HashTrie.empty();
            Map<String, Integer> model = new HashMap<>();
            for (Op op : ops) {
                HashTrie<Integer> before = trie;
                Map<String, Integer> modelBefore = Map.copyOf(model);
                if (op.put()) {
                    trie = trie.with(op.key(), op.value());
                    model.put(op.key(), op.value());
                } else {
                    trie = trie.without(op.key());
                    model.remove(op.key());
                }
                assertEquals(model, asMap(trie), ops.toString());
                assertEquals(model.size(), trie.size());
                for (String key : KEYS) assertEquals(model.get(key), trie.get(key), key);
                assertEquals(modelBefore, asMap(before), "the version before is unchanged");
            }
        });
    }

    @Test
    void manyKeysSpreadOverSeveralLevelsAndAllCanBeRemoved() {
        HashTrie<Integer> trie = HashTrie.empty();
        for (int i = 0; i < 5000; i++) trie = trie.with("svc-" + i, i);
        assertEquals(5000, trie.size());
        for (int i = 0; i < 5000; i++) assertEquals(i, trie.get("svc-" + i));
        for (int i = 0; i < 5000; i += 2) trie = trie.without("svc-" + i);
        assertEquals(2500, trie.size());
        assertNull(trie.get("svc-0"));
        assertEquals(1, trie.get("svc-1"));
        for (int i = 1; i < 5000; i += 2) trie = trie.without("svc-" + i);
        assertEquals(Map.of(), asMap(trie));
    }

    @Test
    void removingAnAbsentKeyReturnsTheSameMap() {
        HashTrie<Integer> trie = HashTrie.<Integer>empty().with("a", 1);
        assertSame(trie, trie.without("b"));
        assertSame(trie, trie.without("BB"));
    }

    private static Map<String, Integer> asMap(HashTrie<Integer> trie) {
        Map<String, Integer> map = new HashMap<>();
        trie.forEach((k, v) -> assertNull(map.put(k, v), "each key once"));
        return map;
    }
}
