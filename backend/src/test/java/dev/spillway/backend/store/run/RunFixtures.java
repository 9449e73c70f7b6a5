package dev.spillway.backend.store.run;

import dev.spillway.backend.store.ReferenceStore;
import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Shared test data for run and compaction tests: random operations, an independent model of how
 * operations collapse into one run, and helpers to write and read runs.
 */
public final class RunFixtures {

    private RunFixtures() {}

    /** One user operation: PUT, DELETE or APPEND of a value (empty for DELETE). */
    public record Op(byte[] key, EntryKind kind, byte[] value) {}

    /** A sorted map with unsigned byte-array keys. */
    public static <V> TreeMap<byte[], V> sortedMap() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    /** A key from a small space, so operations collide. */
    public static byte[] randomKey(Random random, int keySpace) {
        return key(random.nextInt(keySpace));
    }

    /**
     * The k-th key of the test key space: a one-byte "key group" {@code k % 4} (so one-byte
     * prefixes select about a quarter of the keys), then k itself, then filler up to 9 bytes.
     */
    public static byte[] key(int k) {
        byte[] key = new byte[3 + (k % 7)];
        key[0] = (byte) (k % 4);
        key[1] = (byte) (k >>> 8);
        key[2] = (byte) k;
        for (int i = 3; i < key.length; i++) {
            key[i] = (byte) (k * 31 + i);
        }
        return key;
    }

    public static byte[] randomValue(Random random, int maxLength) {
        byte[] value = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(value);
        return value;
    }

    /** Random operations over {@code keySpace} keys. */
    public static List<Op> randomOps(Random random, int count, int keySpace) {
        List<Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] key = randomKey(random, keySpace);
            int dice = random.nextInt(10);
            if (dice < 4) {
                ops.add(new Op(key, EntryKind.PUT, randomValue(random, 40)));
            } else if (dice < 6) {
                ops.add(new Op(key, EntryKind.DELETE, new byte[0]));
            } else {
                ops.add(new Op(key, EntryKind.APPEND, randomValue(random, 8)));
            }
        }
        return ops;
    }

    /**
     * What one run holds after these operations, computed forwards (oldest first) and independently
     * of {@link EntryResolver}: a PUT or DELETE replaces, an APPEND extends a PUT, turns a DELETE into
     * a PUT of the element, and otherwise extends the pending APPEND chain.
     */
    public static TreeMap<byte[], EntryValue> collapse(List<Op> ops) {
        TreeMap<byte[], EntryValue> run = sortedMap();
        for (Op op : ops) {
            EntryValue old = run.get(op.key());
            EntryValue next;
            if (op.kind() != EntryKind.APPEND) {
                next = new EntryValue(op.kind(), op.value());
            } else if (old == null) {
                next = new EntryValue(EntryKind.APPEND, op.value());
            } else if (old.kind() == EntryKind.DELETE) {
                next = new EntryValue(EntryKind.PUT, op.value());
            } else {
                next = new EntryValue(old.kind(), join(old.value(), op.value()));
            }
            run.put(op.key(), next);
        }
        return run;
    }

    /** Applies operations to the reference store, the ground truth. */
    public static void apply(ReferenceStore store, List<Op> ops) {
        for (Op op : ops) {
            byte[] key = op.key();
            switch (op.kind()) {
                case PUT:
                    store.put(key, key.length, op.value(), 0, op.value().length);
                    break;
                case DELETE:
                    store.delete(key, key.length);
                    break;
                default:
                    store.append(key, key.length, op.value(), 0, op.value().length);
            }
        }
    }

    /** The reference store's content as a sorted map. */
    public static TreeMap<byte[], byte[]> contents(ReferenceStore store) throws IOException {
        TreeMap<byte[], byte[]> all = sortedMap();
        try (StoreCursor cursor = store.scan(new byte[0], 0)) {
            while (cursor.next()) {
                all.put(cursor.key(), cursor.value());
            }
        }
        return all;
    }

    /** Writes the entries as one run (one reference, owned by the caller). */
    public static Run writeRun(RunDirectory directory, Map<byte[], EntryValue> entries) throws IOException {
        try (RunWriter writer = directory.newWriter(entries.size(), RunWriter.Purpose.SPILL)) {
            for (Map.Entry<byte[], EntryValue> entry : entries.entrySet()) {
                writer.add(entry.getKey(), entry.getValue().kind(), entry.getValue().value());
            }
            return writer.finish();
        }
    }

    /** Everything a cursor yields, as a sorted map; closes the cursor. */
    public static TreeMap<byte[], EntryValue> drain(EntryCursor cursor) throws IOException {
        TreeMap<byte[], EntryValue> all = sortedMap();
        try (cursor) {
            byte[] previous = null;
            while (cursor.next()) {
                byte[] key = cursor.key();
                if (previous != null && Arrays.compareUnsigned(previous, key) >= 0) {
                    throw new AssertionError("Cursor out of order: " + Arrays.toString(key)
                            + " after " + Arrays.toString(previous));
                }
                previous = key;
                all.put(key, new EntryValue(cursor.kind(), cursor.value()));
            }
        }
        return all;
    }

    /** Live values of a cursor that yields only PUTs (a merge including the oldest run). */
    public static TreeMap<byte[], byte[]> values(TreeMap<byte[], EntryValue> entries) {
        TreeMap<byte[], byte[]> values = sortedMap();
        for (Map.Entry<byte[], EntryValue> entry : entries.entrySet()) {
            if (entry.getValue().kind() != EntryKind.PUT) {
                throw new AssertionError("Expected only PUT entries, got " + entry.getValue().kind());
            }
            values.put(entry.getKey(), entry.getValue().value());
        }
        return values;
    }

    /** Readable form of a byte-array map for assertion messages. */
    public static String describe(Map<byte[], ?> map) {
        StringBuilder text = new StringBuilder("{");
        for (Map.Entry<byte[], ?> entry : map.entrySet()) {
            Object value = entry.getValue();
            String shown = value instanceof byte[]
                    ? Arrays.toString((byte[]) value)
                    : value instanceof EntryValue
                            ? ((EntryValue) value).kind() + Arrays.toString(((EntryValue) value).value())
                            : String.valueOf(value);
            text.append(Arrays.toString(entry.getKey())).append('=').append(shown).append(", ");
        }
        return text.append('}').toString();
    }

    /** A test body run once per seed. */
    @FunctionalInterface
    public interface SeededBody {
        void run(long seed, Random random) throws Exception;
    }

    /**
     * Runs the body for {@code count} seeds derived from a base seed; a failure names the seed so
     * it can be replayed with {@code new Random(seed)}.
     */
    public static void forEachSeed(long baseSeed, int count, SeededBody body) throws Exception {
        for (int i = 0; i < count; i++) {
            long seed = baseSeed + i;
            try {
                body.run(seed, new Random(seed));
            } catch (Exception | AssertionError e) {
                throw new AssertionError("Failed with seed " + seed + ": " + e, e);
            }
        }
    }

    /** Fails unless both maps hold equal keys with equal values (byte arrays compared by content). */
    public static void assertSameValues(Map<byte[], byte[]> expected, Map<byte[], byte[]> actual) {
        boolean same = expected.size() == actual.size();
        if (same) {
            for (Map.Entry<byte[], byte[]> entry : expected.entrySet()) {
                byte[] other = actual.get(entry.getKey());
                if (other == null || !Arrays.equals(entry.getValue(), other)) {
                    same = false;
                    break;
                }
            }
        }
        if (!same) {
            throw new AssertionError("Expected " + describe(expected) + "\n but was " + describe(actual));
        }
    }

    /** As {@link #assertSameValues} for entries with kinds. */
    public static void assertSameEntries(Map<byte[], EntryValue> expected, Map<byte[], EntryValue> actual) {
        boolean same = expected.size() == actual.size();
        if (same) {
            for (Map.Entry<byte[], EntryValue> entry : expected.entrySet()) {
                EntryValue other = actual.get(entry.getKey());
                if (other == null || other.kind() != entry.getValue().kind()
                        || !Arrays.equals(entry.getValue().value(), other.value())) {
                    same = false;
                    break;
                }
            }
        }
        if (!same) {
            throw new AssertionError("Expected " + describe(expected) + "\n but was " + describe(actual));
        }
    }

    private static byte[] join(byte[] left, byte[] right) {
        byte[] joined = Arrays.copyOf(left, left.length + 1 + right.length);
        joined[left.length] = ',';
        System.arraycopy(right, 0, joined, left.length + 1, right.length);
        return joined;
    }
}
