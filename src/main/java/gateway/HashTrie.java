package gateway;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * An immutable map from String keys, as a hash array mapped trie (Bagwell 2001): 32-way branches
 * indexed by five bits of the key's hash at a time, each holding only the children it has. A
 * {@link #with} or {@link #without} copies the one path to its key, at most 7 small arrays, and
 * shares every other node with the map it came from, so a registry write costs O(log32 n) here
 * instead of a copy of every service. Keys whose whole hashes collide share one bucket, searched
 * in order. Immutable; thread-safe.
 */
final class HashTrie<V> {

    private static final HashTrie<?> EMPTY = new HashTrie<>(null, 0);

    /** A Branch, a Leaf, a Bucket, or null for the empty map. */
    private final Object root;
    private final int size;

    private record Leaf(int hash, String key, Object value) {}

    /** Two or more leaves whose keys have the same hash. */
    private record Bucket(int hash, Leaf[] leaves) {}

    /** Bit i of {@code bitmap} says whether the child for hash bits i exists; children are in bit order. */
    private record Branch(int bitmap, Object[] children) {}

    private HashTrie(Object root, int size) {
        this.root = root;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    static <V> HashTrie<V> empty() {
        return (HashTrie<V>) EMPTY;
    }

    int size() {
        return size;
    }

    /** The value of {@code key}, or null when it has none: at most 7 array steps, no allocation. */
    @SuppressWarnings("unchecked")
    V get(String key) {
        int hash = hash(key);
        Object node = root;
        for (int shift = 0; node instanceof Branch b; shift += 5) {
            int bit = bit(hash, shift);
            if ((b.bitmap & bit) == 0) return null;
            node = b.children[index(b.bitmap, bit)];
        }
        if (node instanceof Leaf leaf) return leaf.hash == hash && leaf.key.equals(key) ? (V) leaf.value : null;
        if (node instanceof Bucket bucket && bucket.hash == hash) {
            for (Leaf leaf : bucket.leaves) if (leaf.key.equals(key)) return (V) leaf.value;
        }
        return null;
    }

    /** This map with {@code key} mapped to {@code value} (not null). */
    HashTrie<V> with(String key, V value) {
        if (value == null) throw new IllegalArgumentException("a HashTrie holds no null values");
        Leaf leaf = new Leaf(hash(key), key, value);
        boolean isNew = get(key) == null;
        return new HashTrie<>(root == null ? leaf : put(root, leaf, 0), isNew ? size + 1 : size);
    }

    /** This map without {@code key}; this same object when it had none. */
    HashTrie<V> without(String key) {
        if (get(key) == null) return this;
        return new HashTrie<>(remove(root, hash(key), key, 0), size - 1);
    }

    @SuppressWarnings("unchecked")
    void forEach(BiConsumer<String, V> action) {
        forEach(root, (BiConsumer<String, Object>) (BiConsumer<?, ?>) action);
    }

    private static void forEach(Object node, BiConsumer<String, Object> action) {
        switch (node) {
            case null -> {}
            case Leaf leaf -> action.accept(leaf.key, leaf.value);
            case Bucket bucket -> {
                for (Leaf leaf : bucket.leaves) action.accept(leaf.key, leaf.value);
            }
            case Branch branch -> {
                for (Object child : branch.children) forEach(child, action);
            }
            default -> throw new IllegalStateException("not a node: " + node);
        }
    }

    private static Object put(Object node, Leaf leaf, int shift) {
        if (node instanceof Branch b) {
            int bit = bit(leaf.hash, shift);
            int i = index(b.bitmap, bit);
            if ((b.bitmap & bit) == 0) {
                Object[] children = new Object[b.children.length + 1];
                System.arraycopy(b.children, 0, children, 0, i);
                children[i] = leaf;
                System.arraycopy(b.children, i, children, i + 1, b.children.length - i);
                return new Branch(b.bitmap | bit, children);
            }
            Object[] children = b.children.clone();
            children[i] = put(b.children[i], leaf, shift + 5);
            return new Branch(b.bitmap, children);
        }
        int hash = node instanceof Leaf l ? l.hash : ((Bucket) node).hash;
        if (hash != leaf.hash) return split(node, hash, leaf, shift);
        if (node instanceof Leaf old) return old.key.equals(leaf.key) ? leaf : new Bucket(hash, new Leaf[] {old, leaf});
        Leaf[] leaves = ((Bucket) node).leaves;
        for (int i = 0; i < leaves.length; i++) {
            if (leaves[i].key.equals(leaf.key)) {
                Leaf[] replaced = leaves.clone();
                replaced[i] = leaf;
                return new Bucket(hash, replaced);
            }
        }
        Leaf[] grown = Arrays.copyOf(leaves, leaves.length + 1);
        grown[leaves.length] = leaf;
        return new Bucket(hash, grown);
    }

    /** A branch holding {@code node} (all of whose keys hash to {@code hash}) and {@code leaf}, of another hash. */
    private static Object split(Object node, int hash, Leaf leaf, int shift) {
        // Two different 32-bit hashes differ in some five-bit group at a shift of 30 or less, so
        // this ends before the shift runs past the hash.
        int bitA = bit(hash, shift);
        int bitB = bit(leaf.hash, shift);
        if (bitA == bitB) return new Branch(bitA, new Object[] {split(node, hash, leaf, shift + 5)});
        return new Branch(bitA | bitB, Integer.compareUnsigned(bitA, bitB) < 0 ? new Object[] {node, leaf} : new Object[] {leaf, node});
    }

    /** {@code node} without {@code key}, which it holds; null when nothing is left. */
    private static Object remove(Object node, int hash, String key, int shift) {
        if (node instanceof Leaf) return null;
        if (node instanceof Bucket bucket) {
            Leaf[] rest = Arrays.stream(bucket.leaves).filter(l -> !l.key.equals(key)).toArray(Leaf[]::new);
            return rest.length == 1 ? rest[0] : new Bucket(hash, rest);
        }
        Branch b = (Branch) node;
        int bit = bit(hash, shift);
        int i = index(b.bitmap, bit);
        Object child = remove(b.children[i], hash, key, shift + 5);
        if (child != null) {
            if (b.children.length == 1 && !(child instanceof Branch)) return child; // a lone leaf moves up: no chains of one
            Object[] children = b.children.clone();
            children[i] = child;
            return new Branch(b.bitmap, children);
        }
        if (b.children.length == 1) return null;
        Object[] children = new Object[b.children.length - 1];
        System.arraycopy(b.children, 0, children, 0, i);
        System.arraycopy(b.children, i + 1, children, i, children.length - i);
        if (children.length == 1 && !(children[0] instanceof Branch)) return children[0];
        return new Branch(b.bitmap & ~bit, children);
    }

    /** String's own hash, its high bits folded in, as HashMap does: names that differ at the end still spread. */
    private static int hash(String key) {
        int h = key.hashCode();
        return h ^ (h >>> 16);
    }

    private static int bit(int hash, int shift) {
        return 1 << ((hash >>> shift) & 31);
    }

    private static int index(int bitmap, int bit) {
        return Integer.bitCount(bitmap & (bit - 1));
    }
}
