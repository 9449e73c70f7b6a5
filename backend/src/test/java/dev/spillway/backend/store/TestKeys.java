package dev.spillway.backend.store;

import dev.spillway.backend.store.entry.CompositeKey;

import java.util.Arrays;
import java.util.Random;

/**
 * Random composite keys over a small domain, so that operations collide often: four key groups,
 * a value state (id 0) with one entry per row and a map state (id 1) with up to five user keys
 * per row, {@code keyCount} keys and two namespaces.
 */
final class TestKeys {

    private final Random random;
    private final int keyCount;

    TestKeys(Random random, int keyCount) {
        this.random = random;
        this.keyCount = keyCount;
    }

    byte[] randomKey() {
        int state = random.nextInt(2);
        byte[] row = row(random.nextInt(4), state, random.nextInt(keyCount), random.nextInt(2));
        if (state == 0) {
            return row;
        }
        byte[] key = Arrays.copyOf(row, row.length + 1);
        key[row.length] = (byte) random.nextInt(5);
        return key;
    }

    /** A prefix at a random level: everything, a key group, a state, a key or a row. */
    byte[] randomPrefix() {
        int level = random.nextInt(10);
        byte[] row = row(random.nextInt(4), random.nextInt(2), random.nextInt(keyCount), random.nextInt(2));
        if (level == 0) {
            return new byte[0];
        }
        if (level == 1) {
            return Arrays.copyOf(row, 2);
        }
        if (level == 2) {
            return Arrays.copyOf(row, 4);
        }
        if (level == 3) {
            return Arrays.copyOf(row, row.length - 2); // key without the namespace
        }
        return row;
    }

    byte[] randomValue() {
        int length = random.nextInt(200) == 0 ? 4000 + random.nextInt(6000) : random.nextInt(40);
        byte[] value = new byte[length];
        random.nextBytes(value);
        return value;
    }

    byte[] randomElement() {
        byte[] element = new byte[random.nextInt(9)];
        random.nextBytes(element);
        return element;
    }

    /** A (key group, state, key, namespace) row: a 4-byte key and a 1-byte namespace. */
    static byte[] row(int keyGroup, int state, int key, int namespace) {
        byte[] row = new byte[CompositeKey.STATE_PREFIX_BYTES + 1 + 4 + 1 + 1];
        CompositeKey.writeStatePrefix(row, keyGroup, state);
        int offset = CompositeKey.writeVarInt(row, CompositeKey.STATE_PREFIX_BYTES, 4);
        row[offset++] = (byte) (key >>> 24);
        row[offset++] = (byte) (key >>> 16);
        row[offset++] = (byte) (key >>> 8);
        row[offset++] = (byte) key;
        offset = CompositeKey.writeVarInt(row, offset, 1);
        row[offset] = (byte) namespace;
        return row;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length
                && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
